/**
 * Packages a request does not need until a feature is used, or that only
 * some projects install, are loaded with `import()` where they are used,
 * never by a static import: every server worker would otherwise hold them
 * (argon2's binding, nodemailer, the database drivers, busboy, the Redis
 * client, the OpenTelemetry and Sentry SDKs) from boot, and a project
 * without an optional one could not start. Type-only imports are free (they
 * are erased). Read from the source with TypeScript's parser.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/process.js';

const RUNTIME = join(REPO, 'src', 'runtime');

/** Loaded on first use only: a package name, or a scope ending in `/`. */
const ON_DEMAND = ['@node-rs/argon2', 'nodemailer', 'busboy', 'better-sqlite3', 'pg', 'mysql2', '@redis/client', '@sentry/', '@opentelemetry/'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function onDemand(specifier: string): boolean {
  return ON_DEMAND.some((name) => (name.endsWith('/') ? specifier.startsWith(name) : specifier === name || specifier.startsWith(`${name}/`)));
}

/** True when the declaration brings a value in at load time (not `import type`, not only `type` names). */
function loadsValue(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) {
    if (node.isTypeOnly) return false;
    const clause = node.exportClause;
    return !(clause && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((element) => element.isTypeOnly));
  }
  const clause = node.importClause;
  if (!clause) return true; // import 'x': run for its effect
  if (clause.isTypeOnly) return false;
  if (clause.name) return true;
  const bindings = clause.namedBindings;
  if (!bindings || ts.isNamespaceImport(bindings)) return true;
  return bindings.elements.length === 0 || bindings.elements.some((element) => !element.isTypeOnly);
}

/** The on-demand packages a module's static imports and re-exports load. */
function staticLoads(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  const found: string[] = [];
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) && !ts.isExportDeclaration(statement)) continue;
    const specifier = statement.moduleSpecifier;
    if (!specifier || !ts.isStringLiteral(specifier) || !onDemand(specifier.text)) continue;
    if (loadsValue(statement)) found.push(specifier.text);
  }
  return found;
}

describe('on-demand packages', () => {
  it('are never imported statically by the runtime', () => {
    const found = sourceFiles(RUNTIME).flatMap((file) => staticLoads(file, readFileSync(file, 'utf8')).map((name) => `${relative(RUNTIME, file)}: ${name}`));
    expect(found).toEqual([]);
  });

  it('are found by the check when they are imported for a value, and only then', () => {
    const probe = (text: string) => staticLoads('probe.ts', text).length;
    expect(probe("import { hash } from '@node-rs/argon2';")).toBe(1);
    expect(probe("import nodemailer from 'nodemailer';")).toBe(1);
    expect(probe("export { trace } from '@opentelemetry/api';")).toBe(1);
    expect(probe("import '@sentry/node';")).toBe(1);
    expect(probe("import * as pg from 'pg';")).toBe(1);
    expect(probe("import type { Transporter } from 'nodemailer';")).toBe(0);
    expect(probe("import { type Algorithm } from '@node-rs/argon2';")).toBe(0);
    expect(probe("export type { Span } from '@opentelemetry/api';")).toBe(0);
    expect(probe("const argon2 = await import('@node-rs/argon2');")).toBe(0);
    expect(probe("import { parse } from 'dotenv';")).toBe(0);
  });
});
