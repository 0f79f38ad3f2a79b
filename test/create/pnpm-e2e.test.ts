/**
 * A project made with --pm pnpm, end to end with a real pnpm 10 (fetched
 * from the npm registry by npx, behind a `pnpm` on PATH): the generator's
 * own install runs it, the SQLite driver's native build is allowed to run
 * (pnpm 10 runs no dependency's install script unless package.json lists
 * it), and the project migrates and passes its own tests with pnpm. npm, the
 * default, is covered by test/e2e.
 */
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { CLI, runSync, tempDir } from '../helpers/process.js';

/** A folder holding a `pnpm` that runs pnpm 10 through npx. */
function pnpmOnPath(): string {
  const bin = join(tempDir('tsgate-pnpm-'), 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'pnpm'), '#!/bin/sh\nexec npx --yes pnpm@10 "$@"\n');
  chmodSync(join(bin, 'pnpm'), 0o755);
  return bin;
}

it('a SQLite project made with --pm pnpm installs with pnpm 10, builds its driver, migrates and passes its tests', { timeout: 900_000 }, () => {
  const env = { PATH: `${pnpmOnPath()}${delimiter}${process.env.PATH ?? ''}` };
  const cwd = tempDir('tsgate-create-pnpm-');
  onTestFinished(() => rmSync(cwd, { recursive: true, force: true }));
  // The install compiles better-sqlite3 (no prebuilt binary offline): minutes on a busy machine.
  const created = runSync(process.execPath, [CLI, 'site', '--pm', 'pnpm', '--no-git'], { cwd, env, timeoutMs: 600_000 });
  expect(created.status, created.stdout + created.stderr).toBe(0);
  const project = join(cwd, 'site');

  const migrate = runSync('pnpm', ['run', 'manage', 'migrate', '--noinput'], { cwd: project, env });
  expect(migrate.status, migrate.stdout + migrate.stderr).toBe(0);
  expect(migrate.stdout).toContain('Applying pages.0001_initial... OK');

  const tested = runSync('pnpm', ['test'], { cwd: project, env });
  expect(tested.status, tested.stdout + tested.stderr).toBe(0);
  expect(tested.stdout).toMatch(/# fail 0/);
});
