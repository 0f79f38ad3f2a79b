/**
 * The built runtime carries Kysely as one bundled module (scripts/build.js,
 * src/runtime/db/kysely.ts): loading `tsgate/db` must not reach the kysely
 * package's own files, whose 263 modules cost every server worker ~14 MB.
 * A runtime module that imports 'kysely' directly, or a build that stops
 * bundling, fails here.
 */
import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../management/built.js';
import { REPO, runSync, tempDir } from '../helpers/process.js';

const DIST = join(REPO, 'build', 'tsgate', 'dist');

/** Every module URL node loads while importing `entries`, through a load hook. */
function modulesLoadedBy(entries: string[]): string[] {
  const dir = tempDir();
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(hooks, `export async function load(url, context, next) { console.log('loaded', url); return next(url, context); }\n`);
  const script = `
    import { register } from 'node:module';
    register(${JSON.stringify(pathToFileURL(hooks).href)});
    for (const entry of ${JSON.stringify(entries.map((entry) => pathToFileURL(entry).href))}) await import(entry);
  `;
  const result = runSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO });
  if (result.status !== 0) throw new Error(`importing ${entries.join(', ')} failed:\n${result.stderr}`);
  return result.stdout.split('\n').filter((line) => line.startsWith('loaded ')).map((line) => line.slice('loaded '.length));
}

describe('the runtime bundles Kysely', () => {
  beforeAll(() => ensureBuilt(), 300_000);

  it('no module of tsgate/db loads a file of the kysely package', () => {
    const modules = readdirSync(join(DIST, 'db'), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.js'));
    expect(modules).toEqual(expect.arrayContaining(['index.js', 'dialects.js', join('migrations', 'session.js')]));
    const loaded = modulesLoadedBy(modules.map((file) => join(DIST, 'db', file)));
    expect(loaded).toContain(pathToFileURL(join(DIST, 'db', 'kysely.js')).href);
    expect(loaded.filter((url) => url.includes('/node_modules/kysely/'))).toEqual([]);
  });

  it('no other module of the built runtime imports the kysely package', () => {
    const modules = readdirSync(DIST, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.js') && file !== join('db', 'kysely.js'));
    expect(modules.length).toBeGreaterThan(50);
    const importsKysely = /\bfrom\s*['"]kysely['"]|\bimport\s*\(\s*['"]kysely['"]\s*\)|\brequire\s*\(\s*['"]kysely['"]\s*\)/;
    expect(modules.filter((file) => importsKysely.test(readFileSync(join(DIST, file), 'utf8')))).toEqual([]);
  });

  it("projects get the same copy as tsgate/kysely: its sql is tsgate/db's", () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(join(REPO, 'build', 'tsgate'), join(dir, 'node_modules', 'tsgate'), 'dir');
    const script = `
      const kysely = await import('tsgate/kysely');
      const db = await import('tsgate/db');
      console.log(JSON.stringify({ same: kysely.sql === db.sql, noResult: typeof kysely.NoResultError, url: import.meta.resolve('tsgate/kysely') }));
    `;
    const result = runSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir });
    expect(result.status, result.stderr).toBe(0);
    const seen = JSON.parse(result.stdout) as { same: boolean; noResult: string; url: string };
    expect(seen).toMatchObject({ same: true, noResult: 'function' });
    expect(seen.url).toMatch(/\/dist\/db\/kysely\.js$/);
  });

  it('depends on exactly the Kysely version it bundled, whose declarations it re-exports', () => {
    const bundled = readFileSync(join(DIST, 'db', 'kysely.js'), 'utf8');
    const { version } = JSON.parse(readFileSync(join(REPO, 'node_modules', 'kysely', 'package.json'), 'utf8')) as { version: string };
    const manifest = JSON.parse(readFileSync(join(REPO, 'build', 'tsgate', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(bundled.split('\n', 1)[0]).toContain(`Kysely ${version}`);
    expect(manifest.dependencies.kysely).toBe(version);
    expect(readFileSync(join(DIST, 'db', 'kysely.d.ts'), 'utf8')).toMatch(/export \* from 'kysely'/);
    // MIT asks for its notice to travel with the copy.
    expect(readFileSync(join(DIST, 'db', 'kysely.LICENSE'), 'utf8')).toContain('Permission is hereby granted');
  });
});

/**
 * V8 keeps every loaded module's source as a string for the life of a
 * worker, two bytes a character as soon as one is above U+00FF: the build
 * escapes those (scripts/build.js, escapeNonLatin1), which halves the memory
 * of Kysely's bundle and of every module with a `—` in a comment.
 */
describe('the built runtime is one-byte text', () => {
  beforeAll(() => ensureBuilt(), 300_000);

  it('no compiled module holds a character above U+00FF, though the sources do', () => {
    const modules = readdirSync(DIST, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.js'));
    const wide = /[^\u0000-\u00ff]/;
    expect(modules.filter((file) => wide.test(readFileSync(join(DIST, file), 'utf8')))).toEqual([]);
    // The check means something only while some source has one to escape.
    expect(readFileSync(join(REPO, 'src', 'runtime', 'server', 'options.ts'), 'utf8')).toMatch(wide);
  });

  it('an escaped character in a string means the same character', async () => {
    const options = (await import(pathToFileURL(join(DIST, 'server', 'options.js')).href)) as typeof import('../../src/runtime/server/options.js');
    expect(() => options.parseBind('127.0.0.1:70000')).toThrow('port must be 0\u201365535');
  });
});

