/**
 * Projects made with --pm pnpm, yarn and bun, end to end with the real
 * package manager (fetched from the npm registry by npx, behind a command of
 * its name on PATH): the generator's own install runs it, the SQLite
 * driver's install script runs (pnpm 10 and bun run no dependency's install
 * script unless package.json lists it; it unpacks the suite's prebuilt
 * binary), and the project migrates and passes its own tests through that
 * package manager. npm, the default, is covered
 * by test/e2e.
 */
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, it } from 'vitest';
import { usePrebuiltSqlite } from '../helpers/installed-project.js';
import { CLI, run, tempDir } from '../helpers/process.js';

/** A folder holding `name`, a command that runs `pkg` (e.g. pnpm@10) through npx. */
function onPath(name: string, pkg: string): string {
  const bin = join(tempDir(`tsgate-${name}-`), 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, name), `#!/bin/sh\nexec npx --yes ${pkg} "$@"\n`);
  chmodSync(join(bin, name), 0o755);
  return bin;
}

// The three are independent (a folder each): they run at once.
describe.concurrent.each([
  ['pnpm', 'pnpm@10'],
  ['yarn', 'yarn@1'],
  ['bun', 'bun@1'],
] as const)('--pm %s', (pm, pkg) => {
  it(`a SQLite project installs with ${pkg}, builds its driver, migrates and passes its tests`, { timeout: 900_000 }, async ({ expect, onTestFinished }) => {
    const env = { PATH: `${onPath(pm, pkg)}${delimiter}${process.env.PATH ?? ''}` };
    const cwd = tempDir(`tsgate-create-${pm}-`);
    onTestFinished(() => rmSync(cwd, { recursive: true, force: true }));
    // better-sqlite3's install script runs (pnpm 10 and bun run it only because package.json lists it), and takes the
    // binary the suite built once (test/helpers/installed-project.ts) rather than compiling SQLite for minutes.
    await usePrebuiltSqlite(cwd);
    const created = await run(process.execPath, [CLI, 'site', '--pm', pm, '--no-git'], { cwd, env, timeoutMs: 600_000 });
    expect(created.status, created.stdout + created.stderr).toBe(0);
    const project = join(cwd, 'site');

    const migrate = await run(pm, ['run', 'manage', 'migrate', '--noinput'], { cwd: project, env });
    expect(migrate.status, migrate.stdout + migrate.stderr).toBe(0);
    expect(migrate.stdout).toContain('Applying pages.0001_initial... OK');

    // `run test`: `bun test` alone would start bun's own test runner.
    const tested = await run(pm, ['run', 'test'], { cwd: project, env });
    expect(tested.status, tested.stdout + tested.stderr).toBe(0);
    expect(tested.stdout).toMatch(/# fail 0/);
  });
});
