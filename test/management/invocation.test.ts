/**
 * How manage names itself and reads what the user typed, in-process:
 * the program in hints (`npm run manage --`, `node dist/manage.js`),
 * "did you mean" for options, and the options npm keeps for itself when
 * `--` is left out, read from the `npm_config_*` variables npm sets (the
 * values here are the ones npm 11 set for each line, recorded by hand).
 * test/management/npm-run.test.ts runs the same through a real npm.
 */
import { describe, expect, it } from 'vitest';
import { programFor } from '../../src/runtime/conf/manage-command.js';
import { parseCommandLine, shellQuote } from '../../src/runtime/management/args.js';
import type { OptionSpec } from '../../src/runtime/management/base.js';
import { swallowedByNpm, withDashes } from '../../src/runtime/management/npm-flags.js';

const PROJECT = '/srv/site';
const NPM = { npm_config_user_agent: 'npm/11.6.2 node/v20.19.5 linux x64 workspaces/false', npm_lifecycle_event: 'manage', npm_lifecycle_script: 'tsx manage.ts' };

describe('the program shown in hints', () => {
  it('is the package script in development, with -- so that npm passes the options on', () => {
    expect(programFor(`${PROJECT}/manage.ts`, NPM, PROJECT)).toBe('npm run manage --');
    expect(programFor(`${PROJECT}/manage.ts`, {}, PROJECT)).toBe('npm run manage --');
    expect(programFor(`${PROJECT}/manage.ts`, { npm_config_user_agent: 'pnpm/10.17.1 npm/? node/v20.19.5' }, PROJECT)).toBe('pnpm manage --');
    expect(programFor(`${PROJECT}/manage.ts`, { npm_config_user_agent: 'yarn/1.22.22 npm/? node/v20.19.5' }, PROJECT)).toBe('yarn manage --');
    expect(programFor(`${PROJECT}/manage.ts`, { npm_config_user_agent: 'bun/1.2.0 npm/? node/v20.19.5' }, PROJECT)).toBe('bun run manage --');
  });

  it('is node and the compiled script once built, relative to where the user stands', () => {
    expect(programFor(`${PROJECT}/dist/manage.js`, { NODE_ENV: 'production' }, PROJECT)).toBe('node dist/manage.js');
    expect(programFor(`${PROJECT}/dist/manage.js`, NPM, `${PROJECT}/dist`)).toBe('node manage.js');
    expect(programFor(`${PROJECT}/dist/manage.js`, {}, '/elsewhere')).toBe(`node ${PROJECT}/dist/manage.js`);
  });

  it("for a process that is not manage (a server importing wsgi), is the mode's form", () => {
    expect(programFor('/usr/lib/server.js', { NODE_ENV: 'production' }, PROJECT)).toBe('node dist/manage.js');
    expect(programFor('/usr/lib/server.js', {}, PROJECT)).toBe('npm run manage --');
    expect(programFor(undefined, {}, PROJECT)).toBe('npm run manage --');
  });
});

describe('an unknown option', () => {
  const options: Record<string, OptionSpec> = {
    workers: { type: 'string', short: 'w', help: '' },
    'keep-alive': { type: 'string', help: '' },
    plan: { type: 'boolean', help: '' },
  };

  it('names the option it is closest to, exit code 2', () => {
    for (const [typed, meant] of [
      ['--worker', '--workers'],
      ['--worker=2', '--workers'],
      ['--keepalive', '--keep-alive'],
      ['--pan', '--plan'],
      ['--setings', '--settings'],
    ]) {
      const error = (() => {
        try {
          parseCommandLine('serve', options, [typed as string, '2']);
        } catch (caught) {
          return caught as Error & { exitCode: number };
        }
        throw new Error(`${typed} was accepted`);
      })();
      expect(error.exitCode).toBe(2);
      expect(error.message).toBe(`serve: unknown option '${typed?.split('=')[0]}' — did you mean ${meant}?`);
    }
  });

  it('with nothing close, points to the help that lists the options, in the form the user types', () => {
    expect(() => parseCommandLine('TSGATE_CMD_ARGS', options, ['--frobnicate'], 'serve')).toThrow(/^TSGATE_CMD_ARGS: unknown option '--frobnicate' — '\S+ (run )?manage -- help serve' lists the options$/);
    expect(() => parseCommandLine('serve', options, ['-x'])).toThrow(/^serve: unknown option '-x' — '.* manage -- help serve' lists the options$/);
  });

  it('leaves other mistakes to node, still exit code 2', () => {
    expect(() => parseCommandLine('serve', options, ['--workers'])).toThrow(/^serve: Option '-w, --workers <value>' argument missing$/);
  });
});

describe('options npm kept for itself', () => {
  const migrate: Record<string, OptionSpec> = {
    plan: { type: 'boolean', help: '' },
    fake: { type: 'boolean', help: '' },
    'no-input': { type: 'boolean', help: '' },
    database: { type: 'string', metavar: 'ALIAS', help: '' },
    settings: { type: 'string', help: '' },
  };

  it('are found by name: npm_config_fake for --fake, npm_config_input="" for --no-input, the value of --settings=x', () => {
    expect(swallowedByNpm(migrate, { ...NPM, npm_config_fake: 'true', npm_config_input: '', npm_config_settings: 'site.other settings' })).toEqual([
      { flag: '--fake', detached: false },
      { flag: '--no-input', detached: false },
      { flag: "--settings='site.other settings'", detached: false },
    ]);
  });

  it('finds --plan, which npm reads as -p -l -a -n (parseable, long, all, no yes) and sets no npm_config_plan for', () => {
    expect(swallowedByNpm(migrate, { ...NPM, npm_config_parseable: 'true', npm_config_long: 'true', npm_config_all: 'true', npm_config_yes: '' })).toEqual([{ flag: '--plan', detached: false }]);
    expect(swallowedByNpm(migrate, { ...NPM, npm_config_parseable: 'true', npm_config_all: 'true', npm_config_yes: '' })).toEqual([]);
  });

  it('knows when npm split an option from its value (--database other: npm_config_database=true)', () => {
    expect(swallowedByNpm(migrate, { ...NPM, npm_config_database: 'true' })).toEqual([{ flag: '--database', detached: true }]);
  });

  it('are looked for only in an npm script that runs manage: not under pnpm, Yarn or bun (they pass everything on), nor outside a script', () => {
    const typed = { npm_config_fake: 'true' };
    expect(swallowedByNpm(migrate, { ...typed, npm_lifecycle_event: 'manage', npm_config_user_agent: 'pnpm/10.17.1 npm/? node/v20.19.5' })).toEqual([]);
    expect(swallowedByNpm(migrate, { ...typed, npm_config_user_agent: NPM.npm_config_user_agent })).toEqual([]);
    expect(swallowedByNpm(migrate, { ...NPM })).toEqual([]);
    // `npm test` in this repository runs vitest, whose tests start manage: that is not the script the user typed flags for.
    expect(swallowedByNpm(migrate, { ...NPM, ...typed, npm_lifecycle_event: 'test', npm_lifecycle_script: 'npm run build && vitest run' })).toEqual([]);
  });

  it('give the line to type: the script, --, what the user gave it, the options', () => {
    expect(withDashes(['migrate', 'pages'], [{ flag: '--plan', detached: false }], NPM)).toBe('npm run manage -- migrate pages --plan');
    // "dev": "tsx manage.ts runserver": runserver is the script's, 0:8000 the user's.
    expect(withDashes(['runserver', '0:8000'], [{ flag: '--noreload', detached: false }], { ...NPM, npm_lifecycle_event: 'dev', npm_lifecycle_script: 'tsx manage.ts runserver' })).toBe(
      'npm run dev -- 0:8000 --noreload',
    );
    expect(withDashes(['test', 'a b'], [{ flag: '--keepdb', detached: false }], { ...NPM, npm_lifecycle_event: 'test', npm_lifecycle_script: 'node dist/manage.js' })).toBe("npm run test -- test 'a b' --keepdb");
    // Which argument was --database's value is lost: the user completes the line.
    expect(withDashes(['migrate', 'other'], [{ flag: '--database', detached: true }], NPM)).toBe('npm run manage -- migrate …');
  });

  it('quote words as a shell reads them back', () => {
    expect(shellQuote('pages')).toBe('pages');
    expect(shellQuote('site.settings')).toBe('site.settings');
    expect(shellQuote("it's here")).toBe(`'it'\\''s here'`);
  });
});
