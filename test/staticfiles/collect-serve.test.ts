/** collectstatic's output as production serves it: a page's assets, and every asset they name, load by their hashed names. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createApplication, path, text } from '../../src/runtime/http/index.js';
import { collectStatic, cssReferences, jsReferences, projectStaticUrl, withProjectStatic } from '../../src/runtime/staticfiles/index.js';
import { Client } from '../../src/runtime/test/index.js';
import { tempDir } from '../helpers/process.js';

describe('collected, then served', () => {
  it('every asset a page names, and every asset those name, is served under its hashed name, immutable, with a br copy that decodes to it', async () => {
    const base = tempDir('tsgate-collect-serve-');
    const put = (relative: string, content: string): void => {
      const file = join(base, ...relative.split('/'));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
    };
    const filler = '/* padding so the compressed copies pay */\n'.repeat(40);
    put('static/css/site.css', `@import "base.css";\nbody { background: url(../img/logo.png) }\n@font-face { src: url('../fonts/f.woff2') }\n${filler}`);
    put('static/css/base.css', `p { background: url("/static/img/dot.png") }\n${filler}`);
    put('static/img/logo.png', 'PNG');
    put('static/img/dot.png', 'DOT');
    put('static/fonts/f.woff2', 'WOFF');
    put('pages/static/js/app.js', `import { x } from './lib/x.js';\nimport('./lazy.js');\n${filler}`);
    put('pages/static/js/lib/x.js', `export const x = 1;\n${filler}`);
    put('pages/static/js/lazy.js', 'export default 1;\n');
    const root = join(base, 'staticfiles');
    await collectStatic({ sources: [{ prefix: '', dir: join(base, 'static') }, { prefix: '', dir: join(base, 'pages', 'static') }], root });

    const settings = { DEBUG: false, STATIC_ROOT: root, STATIC_URL: '/static/', STATICFILES_DIRS: [join(base, 'static')], INSTALLED_APPS: ['pages'], BASE_DIR: base } as unknown as Parameters<typeof withProjectStatic>[1];
    const client = new Client(withProjectStatic(createApplication([path('<path:rest>', () => text('app'))]), settings));
    const url = projectStaticUrl(settings);
    if (typeof url !== 'function') throw new Error('expected manifest URLs');

    // The "page" names two assets; follow every reference from there.
    const queue = [url('css/site.css'), url('js/app.js')];
    const seen = new Set<string>();
    while (queue.length > 0) {
      const target = queue.shift() as string;
      if (seen.has(target)) continue;
      seen.add(target);
      const response = await client.get(target);
      expect(response.status, target).toBe(200);
      expect(response.header('cache-control'), target).toBe('public, max-age=315360000, immutable');
      const relative = target.slice('/static/'.length);
      const body = Buffer.from(response.body);
      expect(body.equals(readFileSync(join(root, relative))), target).toBe(true);
      if (relative.startsWith('js/lazy.')) expect(existsSync(join(root, `${relative}.br`))).toBe(false);
      const refs = relative.endsWith('.css') ? cssReferences(body.toString(), relative, '/static/') : relative.endsWith('.js') ? jsReferences(body.toString(), relative, '/static/') : [];
      for (const ref of refs) queue.push(`/static/${posix.normalize(ref.target)}`);
      // Every stylesheet and script but the tiny lazy.js has a br copy (it would not save 5%).
      if ((relative.endsWith('.css') || relative.endsWith('.js')) && !relative.startsWith('js/lazy.')) {
        const br = await client.get(target, { headers: { 'Accept-Encoding': 'br' } });
        expect(br.header('content-encoding'), target).toBe('br');
        expect(brotliDecompressSync(Buffer.from(br.body)).equals(body), target).toBe(true);
      }
    }
    expect([...seen].map((name) => name.replace(/\.[0-9a-f]{12}\./, '.')).sort()).toEqual([
      '/static/css/base.css',
      '/static/css/site.css',
      '/static/fonts/f.woff2',
      '/static/img/dot.png',
      '/static/img/logo.png',
      '/static/js/app.js',
      '/static/js/lazy.js',
      '/static/js/lib/x.js',
    ]);
  });
});
