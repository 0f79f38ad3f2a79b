/** `manage collectstatic` on a settings module: options, refusals, output. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { configure } from '../../src/runtime/conf/settings.js';
import { CommandError } from '../../src/runtime/management/base.js';
import { parseCommandLine } from '../../src/runtime/management/args.js';
import { COMMANDS } from '../../src/runtime/management/commands/index.js';
import type { Command } from '../../src/runtime/management/base.js';
import { tempDir } from '../helpers/process.js';

let base = '';
let root = '';
let command: Command;

function put(relative: string, content: string): void {
  const file = join(base, ...relative.split('/'));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
}

async function run(argv: string[]): Promise<{ code: number | undefined; output: string }> {
  let output = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    output += String(chunk);
    return true;
  });
  try {
    const code = await command.handle(parseCommandLine('collectstatic', command.options, argv));
    return { code, output };
  } finally {
    spy.mockRestore();
  }
}

beforeAll(async () => {
  base = tempDir('tsgate-collectstatic-');
  root = join(base, 'staticfiles');
  put('package.json', '{"name": "collectstatic-test", "private": true, "type": "module"}\n');
  put('static/css/site.css', 'body { background: url(../img/logo.png) }\n');
  put('static/img/logo.png', 'PNG');
  put('pages/static/pages/app.js', 'export {};\n');
  put('pages/static/.DS_Store', 'junk');
  put(
    'settings.mjs',
    [
      "import { join } from 'node:path';",
      `export const BASE_DIR = ${JSON.stringify(base)};`,
      'export const DEBUG = false;',
      "export const SECRET_KEY = 'collectstatic-test-secret-key-0123456789-abcdefghijklmnop';",
      "export const ALLOWED_HOSTS = ['localhost'];",
      "export const INSTALLED_APPS = ['pages'];",
      "export const ROOT_URLCONF = 'unused.urls';",
      "export const WSGI_APPLICATION = 'unused.wsgi:application';",
      "export const STATIC_URL = '/static/';",
      "export const STATIC_ROOT = join(BASE_DIR, 'staticfiles');",
      "export const STATICFILES_DIRS = [join(BASE_DIR, 'static')];",
      '',
    ].join('\n'),
  );
  await configure(join(base, 'settings.mjs'));
  const entry = COMMANDS.collectstatic;
  if (!entry) throw new Error('collectstatic is not registered');
  command = await entry.load();
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('manage collectstatic', () => {
  it('refuses to overwrite without --noinput when stdin is not a terminal', async () => {
    const saved = Object.getOwnPropertyDescriptor(process.stdin, 'isTTY');
    Object.defineProperty(process.stdin, 'isTTY', { value: false, configurable: true });
    const error = await run([]).catch((e: unknown) => e);
    if (saved) Object.defineProperty(process.stdin, 'isTTY', saved);
    else Reflect.deleteProperty(process.stdin, 'isTTY');
    expect(error).toBeInstanceOf(CommandError);
    expect((error as Error).message).toContain('--noinput');
    expect(existsSync(root)).toBe(false);
  });

  it('rejects a bad verbosity as a usage error', async () => {
    const error = await run(['--noinput', '-v', '5']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect((error as CommandError).exitCode).toBe(2);
  });

  it('--dry-run prints what it would do and writes nothing', async () => {
    const { code, output } = await run(['--dry-run']);
    expect(code).toBe(0);
    expect(output).toContain('Pretending to copy');
    expect(output).toContain(`3 static files copied to '${root}', 3 post-processed.`);
    expect(existsSync(root)).toBe(false);
  });

  it('collects with --noinput, printing the summary line', async () => {
    const { code, output } = await run(['--noinput']);
    expect(code).toBe(0);
    expect(output.trim()).toBe(`3 static files copied to '${root}', 3 post-processed.`);
    const manifest = JSON.parse(readFileSync(join(root, 'staticfiles.json'), 'utf8')) as { paths: Record<string, string> };
    expect(Object.keys(manifest.paths).sort()).toEqual(['css/site.css', 'img/logo.png', 'pages/app.js']);
    expect(existsSync(join(root, '.DS_Store'))).toBe(false);
  });

  it('reruns count unmodified files; -v 2 lists each file; -v 0 is silent', async () => {
    const second = await run(['--noinput', '-v', '2']);
    expect(second.output).toContain(`0 static files copied to '${root}', 3 unmodified, 3 post-processed.`);
    expect(second.output).toContain("Post-processed 'css/site.css' as 'css/site.");
    expect((await run(['--noinput', '-v', '0'])).output).toBe('');
  });

  it('--no-default-ignore and --ignore change what is collected; --no-post-process only copies', async () => {
    const { output } = await run(['--noinput', '--clear', '--no-default-ignore', '--ignore', '*.png', '--no-post-process']);
    expect(output).toContain(`3 static files copied to '${root}'.`);
    expect(existsSync(join(root, '.DS_Store'))).toBe(true);
    expect(existsSync(join(root, 'img', 'logo.png'))).toBe(false);
    expect(existsSync(join(root, 'staticfiles.json'))).toBe(false);
  });

  it('a missing reference is a CommandError naming both files', async () => {
    put('static/css/site.css', 'body { background: url(../img/nope.png) }\n');
    const error = await run(['--noinput']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect((error as Error).message).toContain("'img/nope.png' referenced from 'css/site.css'");
  });
});
