/**
 * Typos on the generator's command line get a "did you mean", as git's and
 * npm's do, with exit code 2 and nothing written; and every command the
 * generator shows for `manage` carries the `--` without which npm keeps the
 * flags for itself (`npm run manage migrate --plan` ran migrate).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_MANAGERS } from '../../src/create/package-manager.js';
import { runGenerator, tempDir } from '../helpers/process.js';

describe('a typo on the command line', () => {
  it.each([
    [['--yse'], 'unknown option --yse — did you mean --yes?'],
    [['--databse', 'postgres'], 'unknown option --databse — did you mean --database?'],
    [['--no-instal'], 'unknown option --no-instal — did you mean --no-install?'],
    [['--dryrun'], 'unknown option --dryrun — did you mean --dry-run?'],
    [['--Force'], 'unknown option --Force — did you mean --force?'],
    [['--database', 'postgre'], '--database postgre is not one of sqlite, postgres, mysql — did you mean --database postgres?'],
    [['--pm', 'pnmp'], '--pm pnmp is not one of npm, pnpm, yarn, bun — did you mean --pm pnpm?'],
    [['--frobnicate'], 'unknown option --frobnicate\n'],
    [['-x'], 'unknown option -x\n'],
  ])('create-tsgate-project site %j: "%s", exit 2, nothing written', (args, message) => {
    const cwd = tempDir();
    const result = runGenerator(['site', ...args], cwd);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`create-tsgate-project: ${message}`);
    expect(result.stderr).toContain("Run 'create-tsgate-project --help' for usage.");
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('upgrade --dry-rn: did you mean --dry-run; --json: the same words in the error field', () => {
    const upgrade = runGenerator(['upgrade', '--dry-rn'], tempDir());
    expect(upgrade.status).toBe(2);
    expect(upgrade.stderr).toContain('unknown option --dry-rn — did you mean --dry-run?');
    const json = runGenerator(['site', '--json', '--yse'], tempDir());
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, exitCode: 2, error: 'unknown option --yse — did you mean --yes?' });
  });
});

/** Every text file of a project, by path. */
function textFiles(dir: string): [string, string][] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.endsWith('.tgz'))
    .map((entry) => {
      const path = join(entry.parentPath, entry.name);
      return [path.slice(dir.length + 1), readFileSync(path, 'utf8')];
    });
}

describe('manage commands as the generator shows them', () => {
  it.each(PACKAGE_MANAGERS)('--pm %s: in the output and in every generated file, `manage` is followed by `--`', (pm) => {
    const cwd = tempDir();
    const result = runGenerator(['site', '--pm', pm, '--database', 'postgres', '--no-install', '--no-git'], cwd);
    expect(result.status, result.stderr).toBe(0);
    const runner = { npm: 'npm run', pnpm: 'pnpm', yarn: 'yarn', bun: 'bun run' }[pm];
    const shown = [['(output)', result.stdout + result.stderr] as [string, string], ...textFiles(join(cwd, 'site'))];
    const invocations = shown.flatMap(([path, text]) => [...text.matchAll(new RegExp(`${runner} manage\\b.{0,12}`, 'g'))].map((match) => `${path}: ${match[0]}`));
    expect(invocations.length).toBeGreaterThan(3);
    expect(invocations.filter((line) => !/ manage -- [a-z<]/.test(line))).toEqual([]);
  });
});
