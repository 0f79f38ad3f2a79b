/** `manage collectstatic` on a settings module: options, refusals, output. */
import { existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { configure, resetForTests } from '../../src/runtime/conf/settings.js';
import { CommandError } from '../../src/runtime/management/base.js';
import { parseCommandLine } from '../../src/runtime/management/args.js';
import { COMMANDS } from '../../src/runtime/management/commands/index.js';
import type { Command } from '../../src/runtime/management/base.js';
import { tempDir } from '../helpers/process.js';

let base = '';
let root = '';
let command: Command;
let findstatic: Command;

function put(relative: string, content: string): void {
  const file = join(base, ...relative.split('/'));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
}

async function run(argv: string[], which: 'collectstatic' | 'findstatic' = 'collectstatic'): Promise<{ code: number | undefined; output: string; errors: string }> {
  let output = '';
  let errors = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    output += String(chunk);
    return true;
  });
  const errorSpy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    errors += String(chunk);
    return true;
  });
  try {
    const chosen = which === 'collectstatic' ? command : findstatic;
    const code = await chosen.handle(parseCommandLine(which, chosen.options, argv));
    return { code, output, errors };
  } finally {
    spy.mockRestore();
    errorSpy.mockRestore();
  }
}

async function withStderrTTY<T>(isTTY: boolean, work: () => Promise<T>): Promise<T> {
  const saved = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
  Object.defineProperty(process.stderr, 'isTTY', { value: isTTY, configurable: true });
  try {
    return await work();
  } finally {
    if (saved) Object.defineProperty(process.stderr, 'isTTY', saved);
    else Reflect.deleteProperty(process.stderr, 'isTTY');
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
  put('pages/static/img/logo.png', 'APP PNG');
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
  const find = COMMANDS.findstatic;
  if (!find) throw new Error('findstatic is not registered');
  findstatic = await find.load();
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

  it('reruns count unmodified files; -v 2 lists each file and the duplicates; -v 0 is silent', async () => {
    const second = await run(['--noinput', '-v', '2']);
    expect(second.output).toContain(`0 static files copied to '${root}', 3 unmodified, 3 post-processed.`);
    expect(second.output).toContain("Post-processed 'css/site.css' as 'css/site.");
    expect(second.output).toContain(
      `Found another file with the destination path 'img/logo.png'. It will be ignored (using '${join(base, 'static', 'img', 'logo.png')}', not '${join(base, 'pages', 'static', 'img', 'logo.png')}').`,
    );
    expect((await run(['--noinput'])).output).not.toContain('Found another file');
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

  it('draws a progress bar on stderr when it is a terminal, and none otherwise', async () => {
    put('static/css/site.css', 'body { background: url(../img/logo.png) }\n');
    const tty = await withStderrTTY(true, () => run(['--noinput', '--clear']));
    expect(tty.errors).toContain('\rCollecting static files [');
    expect(tty.errors).toContain('100%');
    expect(tty.errors.endsWith('\r\x1b[K')).toBe(true);
    expect(tty.output).toContain(`\n3 static files copied to '${root}', 3 post-processed.\n`);
    const piped = await withStderrTTY(false, () => run(['--noinput', '--clear']));
    expect(piped.errors).toBe('');
    const verbose = await withStderrTTY(true, () => run(['--noinput', '-v', '2']));
    expect(verbose.errors).toBe('');
  });

  it('--link symlinks the originals and says so in the summary', async () => {
    const { output } = await run(['--noinput', '--clear', '--link']);
    expect(output).toContain(`\n3 static files symlinked to '${root}', 3 post-processed.\n`);
    expect(lstatSync(join(root, 'css', 'site.css')).isSymbolicLink()).toBe(true);
  });

  it('rejects a bad --brotli-quality as a usage error and accepts a good one', async () => {
    const error = await run(['--noinput', '--brotli-quality', '12']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect((error as CommandError).exitCode).toBe(2);
    expect((await run(['--noinput', '--clear', '--brotli-quality', '5'])).code).toBe(0);
  });

  it('findstatic shows the file used, and with -v 2 the ones it hides and where it looked; exit 1 for a missing path', async () => {
    const used = join(base, 'static', 'img', 'logo.png');
    const hidden = join(base, 'pages', 'static', 'img', 'logo.png');
    const one = await run(['img/logo.png'], 'findstatic');
    expect(one.code).toBe(0);
    expect(one.output).toBe(`Found 'img/logo.png' here:\n  ${used}\n`);
    expect((await run(['-v', '0', 'img/logo.png', 'pages/app.js'], 'findstatic')).output).toBe(`${used}\n${join(base, 'pages', 'static', 'pages', 'app.js')}\n`);
    const two = await run(['-v', '2', '/img/logo.png'], 'findstatic');
    expect(two.output).toContain(`Found '/img/logo.png' here:\n  ${used}\n  ${hidden}  (hidden by the first)\n`);
    expect(two.output).toContain(`Looking in the following locations:\n  ${join(base, 'static')}\n  ${join(base, 'pages', 'static')}\n`);
    expect((await run(['-v', '2', '--first', 'img/logo.png'], 'findstatic')).output).not.toContain(hidden);
    const missing = await run(['css/nope.css', 'img/logo.png', '../settings.mjs'], 'findstatic');
    expect(missing.code).toBe(1);
    expect(missing.errors).toBe("No matching file found for 'css/nope.css'.\nNo matching file found for '../settings.mjs'.\n");
    expect(missing.output).toContain(used);
  });

  it('with STATICFILES_KEEP_ONLY_HASHED = true writes the hashed copies and not the originals', async () => {
    put('settings_hashed.mjs', "export * from './settings.mjs';\nexport const STATICFILES_KEEP_ONLY_HASHED = true;\nexport const STATIC_ROOT = process.env.KEEP_HASHED_ROOT;\n");
    const hashedRoot = join(base, 'staticfiles-hashed');
    process.env.KEEP_HASHED_ROOT = hashedRoot;
    resetForTests();
    await configure(join(base, 'settings_hashed.mjs'));
    try {
      const result = await run(['--noinput', '--clear']);
      expect(result.code).toBe(0);
      const paths = (JSON.parse(readFileSync(join(hashedRoot, 'staticfiles.json'), 'utf8')) as { paths: Record<string, string> }).paths;
      expect(existsSync(join(hashedRoot, paths['css/site.css'] ?? 'missing'))).toBe(true);
      expect(existsSync(join(hashedRoot, 'css', 'site.css'))).toBe(false);
      expect(existsSync(join(hashedRoot, 'img', 'logo.png'))).toBe(false);
    } finally {
      delete process.env.KEEP_HASHED_ROOT;
      resetForTests();
      await configure(join(base, 'settings.mjs'));
    }
  });

  it('a missing reference is an error, or with STATICFILES_MANIFEST_STRICT = false a warning on stderr', async () => {
    put('static/js/app.js', "import './gone.js';\n");
    const strict = await run(['--noinput']).catch((e: unknown) => e);
    expect((strict as Error).message).toContain("'js/gone.js' referenced from 'js/app.js'");
    put('settings_lenient.mjs', "export * from './settings.mjs';\nexport const STATICFILES_MANIFEST_STRICT = false;\n");
    resetForTests();
    await configure(join(base, 'settings_lenient.mjs'));
    try {
      const lenient = await run(['--noinput']);
      expect(lenient.code).toBe(0);
      expect(lenient.errors).toContain("Warning: The file 'js/gone.js' referenced from 'js/app.js' (as './gone.js') could not be found.");
      expect(readFileSync(join(root, 'staticfiles.json'), 'utf8')).toContain('js/app.js');
    } finally {
      resetForTests();
      await configure(join(base, 'settings.mjs'));
    }
  });
});
