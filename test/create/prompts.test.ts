/**
 * The prompts, driven through a pseudo-terminal, and the same choices given
 * by flags: both must make the same project.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runGenerator, tempDir } from '../helpers/process.js';
import { closeAll, hasScript, KEY, plain, Terminal } from '../helpers/pty.js';

afterEach(closeAll);

interface Lock {
  choices: { name: string; database: string; example: boolean; auth: string; pm: string };
}

function lockOf(project: string): Lock {
  return JSON.parse(readFileSync(join(project, '.tsgate', 'template.lock.json'), 'utf8')) as Lock;
}

describe.skipIf(!hasScript)('prompts on a terminal', () => {
  it('asks every question not given by a flag, and makes what was chosen', async () => {
    const cwd = tempDir();
    const term = new Terminal([], cwd);
    await term.answer(/Project name/, `blog${KEY.enter}`);
    await term.answer(/Database/, `${KEY.down}${KEY.enter}`); // sqlite → postgres
    await term.answer(/Include the example app/, `${KEY.down}${KEY.enter}`); // Yes → No
    await term.answer(/Users and login/, `${KEY.down}${KEY.enter}`); // login → signup
    await term.answer(/Package manager/, `${KEY.down}${KEY.down}${KEY.enter}`); // npm → pnpm → yarn
    await term.answer(/Initialise a git repository/, `${KEY.down}${KEY.enter}`);
    await term.answer(/Install dependencies now/, `${KEY.down}${KEY.enter}`);
    expect(await term.exited, plain(term.output)).toBe(0);
    const project = join(cwd, 'blog');
    expect(lockOf(project).choices).toEqual({ name: 'blog', database: 'postgres', example: false, auth: 'signup', pm: 'yarn' });
    expect(existsSync(join(project, 'pages'))).toBe(false);
    expect(existsSync(join(project, '.git'))).toBe(false);
    expect(existsSync(join(project, 'node_modules'))).toBe(false);
    expect(plain(term.output)).toContain('yarn dev');

    // The same by flags, with no terminal: the same files and choices.
    const flags = tempDir();
    const byFlags = runGenerator(['blog', '--database', 'postgres', '--no-example', '--auth', 'signup', '--pm', 'yarn', '--no-git', '--no-install'], flags);
    expect(byFlags.status, byFlags.stderr).toBe(0);
    expect(lockOf(join(flags, 'blog')).choices).toEqual(lockOf(project).choices);
    const files = (dir: string) => readdirSync(dir, { recursive: true }).map(String).sort();
    expect(files(join(flags, 'blog'))).toEqual(files(project));
  });

  it('asks only what the flags leave open, taking the defaults on Enter', async () => {
    const cwd = tempDir();
    const term = new Terminal(['shop', '--database', 'mysql', '--no-install', '--no-git'], cwd);
    await term.answer(/Include the example app/, KEY.enter);
    await term.answer(/Users and login/, KEY.enter);
    await term.answer(/Package manager/, KEY.enter);
    expect(await term.exited, plain(term.output)).toBe(0);
    const shown = plain(term.output);
    expect(shown).not.toMatch(/Project name|Database|Initialise a git|Install dependencies now/);
    expect(lockOf(join(cwd, 'shop')).choices).toEqual({ name: 'shop', database: 'mysql', example: true, auth: 'login', pm: 'npm' });
  });

  it('refuses a bad name at the prompt and asks again', async () => {
    const cwd = tempDir();
    const term = new Terminal(['--yes', '--no-install', '--no-git'], cwd);
    // --yes: nothing asked at all, even on a terminal.
    expect(await term.exited, plain(term.output)).toBe(0);
    expect(plain(term.output)).not.toMatch(/Project name/);
    expect(readdirSync(cwd)).toEqual(['mysite']);

    const again = tempDir();
    const asking = new Terminal(['--no-install', '--no-git', '--database', 'sqlite', '--example', '--no-auth', '--pm', 'npm'], again);
    await asking.answer(/Project name/, `Bad-Name${KEY.enter}`);
    await asking.waitFor(/not a valid project name/);
    asking.type(`${KEY.backspace.repeat(8)}good${KEY.enter}`);
    expect(await asking.exited, plain(asking.output)).toBe(0);
    expect(readdirSync(again)).toEqual(['good']);
  });

  it.each([
    ['the name', [] as string[], /Project name/],
    ['the database', ['site'], /Database/],
    ['install now', ['site', '--database', 'sqlite', '--example', '--auth', 'login', '--pm', 'npm', '--git'], /Install dependencies now/],
  ])('Ctrl-C at %s cancels: exit 130, a message, nothing written', async (_what, args, question) => {
    const cwd = tempDir();
    const term = new Terminal(args, cwd);
    await term.answer(question, KEY.ctrlC);
    expect(await term.exited).toBe(130);
    expect(plain(term.output)).toContain('Cancelled: nothing was written.');
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe('no terminal', () => {
  it('asks nothing and takes the defaults for what the flags leave open', () => {
    const cwd = tempDir();
    const result = runGenerator(['--no-install', '--no-git'], cwd);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).not.toMatch(/Project name|Database\?/);
    expect(lockOf(join(cwd, 'mysite')).choices).toEqual({ name: 'mysite', database: 'sqlite', example: true, auth: 'login', pm: 'npm' });
  });

  it('installs tsgate/auth unless --no-auth; --auth signup opens signup; a wrong --auth says what it takes', () => {
    const cwd = tempDir();
    expect(runGenerator(['withauth', '--no-install', '--no-git'], cwd).status).toBe(0);
    const settings = readFileSync(join(cwd, 'withauth', 'withauth', 'settings.ts'), 'utf8');
    expect(settings).toContain("export const INSTALLED_APPS: Settings['INSTALLED_APPS'] = ['tsgate.auth', 'tsgate.cache', 'tsgate.tasks', 'pages'];");
    expect(settings).toContain("export const AUTH_SIGNUP = env.bool('AUTH_SIGNUP', false);");
    expect(readFileSync(join(cwd, 'withauth', 'withauth', 'urls.ts'), 'utf8')).toContain("path('accounts/', include(authUrls))");
    expect(existsSync(join(cwd, 'withauth', 'test', 'accounts.test.ts'))).toBe(true);

    expect(runGenerator(['club', '--auth', 'signup', '--no-install', '--no-git'], cwd).status).toBe(0);
    expect(readFileSync(join(cwd, 'club', 'club', 'settings.ts'), 'utf8')).toContain("export const AUTH_SIGNUP = env.bool('AUTH_SIGNUP', true);");

    expect(runGenerator(['plain', '--no-auth', '--no-example', '--no-install', '--no-git'], cwd).status).toBe(0);
    expect(lockOf(join(cwd, 'plain')).choices.auth).toBe('none');
    const plainSettings = readFileSync(join(cwd, 'plain', 'plain', 'settings.ts'), 'utf8');
    expect(plainSettings).not.toContain('tsgate/auth');
    expect(plainSettings).not.toContain('SESSION_ENGINE');
    expect(existsSync(join(cwd, 'plain', 'test', 'accounts.test.ts'))).toBe(false);

    const wrong = runGenerator(['x', '--auth', 'singup', '--no-install', '--no-git'], cwd);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain('--auth singup is not one of login, signup (or --no-auth to leave tsgate/auth out) — did you mean --auth signup?');
  });

  it('follows the package manager that runs it (npm_config_user_agent) unless --pm says otherwise', () => {
    const cwd = tempDir();
    expect(runGenerator(['one', '--no-install', '--no-git'], cwd, { npm_config_user_agent: 'pnpm/9.1.0 npm/? node/v20.19.0' }).status).toBe(0);
    expect(lockOf(join(cwd, 'one')).choices.pm).toBe('pnpm');
    expect(runGenerator(['two', '--no-install', '--no-git', '--pm', 'bun'], cwd, { npm_config_user_agent: 'pnpm/9.1.0' }).status).toBe(0);
    expect(lockOf(join(cwd, 'two')).choices.pm).toBe('bun');
    expect(readFileSync(join(cwd, 'two', 'README.md'), 'utf8')).toContain('bun run dev');
  });
});
