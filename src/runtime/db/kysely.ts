/**
 * The one place the runtime reaches Kysely; every other module imports it
 * from here.
 *
 * The build (scripts/build.js) replaces this file's compiled JavaScript with
 * Kysely bundled into a single module, while its declarations stay
 * `export * from 'kysely'`. Why: node keeps per-module state for each of
 * Kysely's 263 ES modules, and loading them costs every server worker about
 * 14 MB of RSS more than loading the same code as one module (measured on
 * node 20; see bench/idle-rss.js).
 *
 * Projects import Kysely's own classes and helpers (NoResultError,
 * expressionBuilder, …) from `tsgate/kysely`, this module: the `kysely`
 * package itself would be a second copy, whose errors fail `instanceof`
 * against this one's.
 */
export * from 'kysely';
