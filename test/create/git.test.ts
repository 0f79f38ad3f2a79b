/**
 * `git init` is skipped where the project lands inside an existing
 * repository (a monorepo, say) — and the generator says so, in its normal
 * output, in --json's warnings, and in --dry-run, which never claims it would
 * run git init when it would not.
 */
import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runGenerator, runSync, tempDir } from '../helpers/process.js';

const IDENTITY = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid' };

/** A fresh repository with a `apps/` folder, its real path (git reports /tmp's real path). */
function repository(): string {
  const dir = realpathSync(tempDir('tsgate-monorepo-'));
  expect(runSync('git', ['init', '-q'], { cwd: dir }).status).toBe(0);
  mkdirSync(join(dir, 'apps'));
  return dir;
}

describe('git inside an existing repository', () => {
  it('skips git init and says why, on stderr and in --json warnings', () => {
    const repo = repository();
    const result = runGenerator(['apps/site', '--no-install'], repo, IDENTITY);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain(`warning: skipped git init: ${join(repo, 'apps', 'site')} is inside the git repository at ${repo}; add and commit the project's files there`);
    expect(existsSync(join(repo, 'apps', 'site', '.git'))).toBe(false);

    const json = runGenerator(['apps/other', '--no-install', '--json'], repo, IDENTITY);
    expect(json.status, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as { git: string; warnings: string[] };
    expect(report.git).toBe('inside-repository');
    expect(report.warnings).toEqual([`skipped git init: ${join(repo, 'apps', 'other')} is inside the git repository at ${repo}; add and commit the project's files there`]);
  });

  it('--dry-run says it would not run git init, and why', () => {
    const repo = repository();
    const result = runGenerator(['apps/site', '--dry-run'], repo);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).not.toContain('git init');
    expect(result.stderr).toContain(`warning: would not run git init: ${join(repo, 'apps', 'site')} is inside the git repository at ${repo}`);
    const json = JSON.parse(runGenerator(['apps/site', '--dry-run', '--json'], repo).stdout) as { warnings: string[] };
    expect(json.warnings).toEqual([expect.stringMatching(/^would not run git init: .* is inside the git repository at /)]);
  });

  it('outside a repository: --dry-run says it would run git init, and the project gets its first commit', () => {
    const cwd = tempDir();
    expect(runGenerator(['site', '--dry-run'], cwd).stdout).toContain('Would run: git init, git add -A, git commit');
    const result = runGenerator(['site', '--no-install', '--json'], cwd, IDENTITY);
    const report = JSON.parse(result.stdout) as { git: string; warnings: string[] };
    expect(report).toMatchObject({ git: 'committed', warnings: [] });
    expect(runSync('git', ['log', '--format=%s'], { cwd: join(cwd, 'site') }).stdout).toBe('Initial commit from create-tsgate-project\n');
  });
});
