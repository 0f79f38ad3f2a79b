/** collectstatic with keepOnlyHashed (STATICFILES_KEEP_ONLY_HASHED, whitenoise's KEEP_ONLY_HASHED_FILES): only hashed copies in STATIC_ROOT. */
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { beforeEach, describe, expect, it } from 'vitest';
import { createApplication, path, text } from '../../src/runtime/http/index.js';
import { collectStatic, collectSummary, projectStaticUrl, withProjectStatic, type CollectOptions } from '../../src/runtime/staticfiles/index.js';
import { Client } from '../../src/runtime/test/index.js';
import { tempDir } from '../helpers/process.js';

let base = '';
let root = '';

function put(relative: string, content: string): string {
  const file = join(base, ...relative.split('/'));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
}

function collect(options: Partial<CollectOptions> = {}) {
  return collectStatic({ sources: [{ prefix: '', dir: join(base, 'static') }], root, keepOnlyHashed: true, ...options });
}

function paths(): Record<string, string> {
  return (JSON.parse(readFileSync(join(root, 'staticfiles.json'), 'utf8')) as { paths: Record<string, string> }).paths;
}

/** Every file in STATIC_ROOT but collectstatic's bookkeeping, relative and sorted. */
function listed(): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name !== 'staticfiles.json' && !entry.name.startsWith('.'))
    .map((entry) => join(entry.parentPath, entry.name).slice(root.length + 1))
    .sort();
}

const filler = '/* padding so the compressed copies pay */\n'.repeat(40);

beforeEach(() => {
  base = tempDir('tsgate-keep-hashed-');
  root = join(base, 'staticfiles');
  put('static/css/site.css', `body { background: url(../img/logo.png) }\n${filler}`);
  put('static/js/app.js', `import './lib.js';\n${filler}`);
  put('static/js/lib.js', `export const x = 1;\n${filler}`);
  put('static/img/logo.png', 'PNG');
});

describe('keepOnlyHashed', () => {
  it('writes the hashed copies, their .gz and .br, and the manifest, and no original under its own name', async () => {
    const result = await collect();
    expect(collectSummary(result)).toBe(`4 static files copied to '${root}', 4 post-processed.`);
    const names = paths();
    const expected = Object.values(names).flatMap((hashed) => (hashed.endsWith('.png') ? [hashed] : [hashed, `${hashed}.br`, `${hashed}.gz`]));
    expect(listed()).toEqual(expected.sort());
    for (const original of ['css/site.css', 'js/app.js', 'img/logo.png']) expect(existsSync(join(root, original))).toBe(false);
    // Unrewritten files keep their bytes; rewritten ones name hashed files; compressed copies decode to them.
    expect(readFileSync(join(root, names['js/lib.js'] ?? ''), 'utf8')).toBe(`export const x = 1;\n${filler}`);
    expect(readFileSync(join(root, names['css/site.css'] ?? ''), 'utf8')).toContain(`url(../${names['img/logo.png'] ?? ''})`);
    for (const name of ['css/site.css', 'js/app.js', 'js/lib.js']) {
      const hashed = join(root, names[name] ?? '');
      expect(brotliDecompressSync(readFileSync(`${hashed}.br`)).equals(readFileSync(hashed)), name).toBe(true);
      expect(gunzipSync(readFileSync(`${hashed}.gz`)).equals(readFileSync(hashed)), name).toBe(true);
    }
  });

  it('a rerun redoes nothing, a changed file redoes itself and what references it, still without originals', async () => {
    await collect();
    const before = paths();
    const second = await collect();
    expect(second.redone).toEqual([]);
    expect(second.copied).toEqual([]);
    expect(paths()).toEqual(before);
    const file = put('static/js/lib.js', `export const x = 2;\n${filler}`);
    const later = new Date(Date.now() + 5000);
    utimesSync(file, later, later);
    const third = await collect();
    expect(third.copied).toEqual(['js/lib.js']);
    expect(third.redone).toEqual(['js/app.js', 'js/lib.js']);
    expect(existsSync(join(root, 'js', 'lib.js'))).toBe(false);
    expect(readFileSync(join(root, paths()['js/lib.js'] ?? ''), 'utf8')).toContain('x = 2');
  });

  it('over a run that kept the originals, removes them and their compressed copies; turned off, writes them again', async () => {
    await collect({ keepOnlyHashed: false });
    expect(existsSync(join(root, 'css', 'site.css.br'))).toBe(true);
    await collect();
    const names = paths();
    expect(listed().filter((name) => !/\.[0-9a-f]{12}\./.test(name))).toEqual([]);
    // The hashed copies (hard links to the originals before) are whole.
    expect(readFileSync(join(root, names['js/lib.js'] ?? ''), 'utf8')).toBe(`export const x = 1;\n${filler}`);
    await collect({ keepOnlyHashed: false });
    expect(readFileSync(join(root, 'js', 'lib.js'), 'utf8')).toBe(`export const x = 1;\n${filler}`);
    expect(existsSync(join(root, 'js', 'lib.js.br'))).toBe(true);
  });

  it('--clear leaves only this run’s hashed files', async () => {
    await collect({ keepOnlyHashed: false });
    put('static/extra.txt', 'extra');
    await collect({ clear: true });
    const names = paths();
    expect(listed()).toEqual(
      Object.values(names)
        .flatMap((hashed) => (hashed.endsWith('.png') || hashed.endsWith('.txt') ? [hashed] : [hashed, `${hashed}.br`, `${hashed}.gz`]))
        .sort(),
    );
  });

  it('is served: templates get hashed URLs, which answer with their br copy; the unhashed URLs are 404', async () => {
    await collect();
    const settings = { DEBUG: false, STATIC_ROOT: root, STATIC_URL: '/static/', STATICFILES_DIRS: [join(base, 'static')], INSTALLED_APPS: [], BASE_DIR: base } as unknown as Parameters<typeof withProjectStatic>[1];
    const client = new Client(withProjectStatic(createApplication([path('<path:rest>', () => text('app'))]), settings));
    const url = projectStaticUrl(settings);
    if (typeof url !== 'function') throw new Error('expected manifest URLs');
    const css = url('css/site.css');
    expect(css).toBe(`/static/${paths()['css/site.css'] ?? ''}`);
    const response = await client.get(css, { headers: { 'Accept-Encoding': 'br' } });
    expect(response.status).toBe(200);
    expect(response.header('content-encoding')).toBe('br');
    expect(brotliDecompressSync(Buffer.from(response.body)).toString()).toContain(paths()['img/logo.png']);
    expect((await client.get(url('img/logo.png'))).status).toBe(200);
    expect((await client.get('/static/css/site.css')).status).toBe(404);
  });
});

describe('brotli at quality 11', () => {
  it('small and large files alike decode to their bytes (small ones are compressed without literal context modeling)', async () => {
    put('static/big.js', `${'export const value = "some text to compress";\n'.repeat(400)}`);
    await collect({ keepOnlyHashed: false, brotliQuality: 11 });
    for (const name of ['css/site.css', 'js/lib.js', 'big.js', paths()['css/site.css'] ?? '']) {
      const file = join(root, name);
      expect(readFileSync(file).length > 4096, name).toBe(name === 'big.js');
      expect(brotliDecompressSync(readFileSync(`${file}.br`)).equals(readFileSync(file)), name).toBe(true);
    }
  });
});
