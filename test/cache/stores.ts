/**
 * Where the cache and rate-limit tests keep things: a fresh database
 * (tsgate_cache_…) on PostgreSQL and MariaDB/MySQL and a SQLite file, each
 * migrated with tsgate.cache's migration, and a Redis key prefix of their
 * own. Settings are configured in-process from a module naming them.
 */
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll } from 'vitest';
import { up } from '../../src/runtime/cache/migrations/0001_initial.js';
import { configure, resetForTests } from '../../src/runtime/conf/settings.js';
import { closeConnections, connection } from '../../src/runtime/db/index.js';
import { closeRedis, redisClient, whenReady } from '../../src/runtime/redis/index.js';
import { tempDir } from '../helpers/process.js';
import { adminQuery, BACKENDS, SERVICES_REQUIRED, withDatabase, MYSQL_ADMIN_URL, POSTGRES_ADMIN_URL } from '../db/services.js';

export const REDIS_URL = process.env.TSGATE_TEST_REDIS_URL || 'redis://127.0.0.1:6379/15';
export const REDIS_SERVER = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;

export function uniqueName(prefix = 'tsgate_cache_'): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

async function redisProblem(): Promise<string | undefined> {
  try {
    const client = await redisClient(REDIS_URL);
    await whenReady(client, REDIS_URL, 5000);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export interface Store {
  /** The cache URL: locmem://…, redis://…, db://sqlite … */
  title: string;
  url: string;
  /** Its alias in the configured CACHES (KEY_PREFIX of its own). */
  alias: string;
  /** Why it cannot be used here, when it cannot. */
  problem: string | undefined;
}

/**
 * Sets up every store before the file's tests: configures settings with a
 * DATABASES alias per database backend (sqlite, postgres, mysql) and
 * migrates each. Returns the stores, filled in by beforeAll.
 */
export function useStores(): Store[] {
  const stores: Store[] = [];
  const databases: string[] = [];
  let base = '';
  beforeAll(async () => {
    resetForTests();
    base = tempDir('tsgate-cache-');
    const urls: Record<string, string> = { sqlite: `sqlite:///${join(base, 'cache.sqlite3')}` };
    const problems: Record<string, string | undefined> = {};
    for (const backend of BACKENDS) {
      if (backend.name === 'sqlite') continue;
      if (!backend.available) {
        problems[backend.name] = backend.problem;
        continue;
      }
      const name = uniqueName();
      await adminQuery(backend.name, `create database ${name}`);
      databases.push(`${backend.name}:${name}`);
      urls[backend.name] = withDatabase(backend.name === 'postgres' ? POSTGRES_ADMIN_URL : MYSQL_ADMIN_URL, name);
    }
    const redis = await redisProblem();
    const prefix = uniqueName();
    stores.push(
      { title: 'locmem', url: `locmem://${prefix}`, alias: 'locmem', problem: undefined },
      { title: 'redis', url: REDIS_URL, alias: 'redis', problem: redis },
      ...['sqlite', 'postgres', 'mysql'].map((alias) => ({
        title: `db (${alias})`,
        url: `db://${alias}`,
        alias: `db_${alias}`,
        problem: alias in urls ? undefined : (problems[alias] ?? `${alias} is not available`),
      })),
    );
    const caches = stores.filter((store) => store.problem === undefined).map((store) => `  ${store.alias}: { URL: ${JSON.stringify(store.url)}, KEY_PREFIX: '${prefix}' },`);
    writeFileSync(join(base, 'package.json'), '{"type": "module", "private": true}\n');
    const entries = Object.entries(urls).map(([alias, url]) => `  ${alias}: { URL: ${JSON.stringify(url)}, POOL_SIZE: 20 },`);
    writeFileSync(
      join(base, 'settings.mjs'),
      [
        `export const BASE_DIR = ${JSON.stringify(base)};`,
        "export const INSTALLED_APPS = ['tsgate.cache'];",
        "export const ROOT_URLCONF = 'urls';",
        "export const WSGI_APPLICATION = 'wsgi:application';",
        'export const DATABASES = {',
        `  default: { URL: ${JSON.stringify(urls.sqlite)} },`,
        // Nothing listens on port 9: a database that is down.
        "  down: { URL: 'postgres://postgres@127.0.0.1:9/none', CONNECT_TIMEOUT: 1 },",
        ...entries,
        '};',
        'export const CACHES = {',
        `  default: { URL: 'locmem://${prefix}', KEY_PREFIX: '${prefix}' },`,
        ...caches,
        '};',
        '',
      ].join('\n'),
    );
    await configure(join(base, 'settings.mjs'));
    for (const alias of Object.keys(urls)) await up(connection(alias));
  }, 60_000);
  afterAll(async () => {
    await closeConnections();
    await closeRedis();
    for (const entry of databases) {
      const [backend, name] = entry.split(':') as ['postgres' | 'mysql', string];
      await adminQuery(backend, backend === 'postgres' ? `drop database if exists ${name} with (force)` : `drop database if exists ${name}`).catch(() => undefined);
    }
    resetForTests();
    if (base) rmSync(base, { recursive: true, force: true });
  });
  return stores;
}

/** The store called `title`, or fails/skips (as services.ts does) when it cannot be used. */
export function storeOrSkip(stores: readonly Store[], title: string, skip: (note: string) => void): Store {
  const store = stores.find((candidate) => candidate.title === title);
  if (!store) throw new Error(`no store ${title}`);
  if (store.problem !== undefined) {
    if (SERVICES_REQUIRED) throw new Error(`${title}: ${store.problem}; TSGATE_REQUIRE_SERVICES=1 makes it mandatory`);
    console.warn(`Skipping on ${title}: ${store.problem}`);
    skip(store.problem);
  }
  return store;
}

export const STORE_TITLES = ['locmem', 'redis', 'db (sqlite)', 'db (postgres)', 'db (mysql)'] as const;
