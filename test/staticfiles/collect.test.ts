/** collectstatic's core, called directly with explicit sources and root. */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  CACHE_NAME,
  collectStatic,
  collectSummary,
  CollectStaticError,
  hashedName,
  ignoreMatcher,
  rewriteCss,
  type CollectOptions,
  type StaticSource,
} from '../../src/runtime/staticfiles/index.js';
import { tempDir } from '../helpers/process.js';

let base = '';
let root = '';
let sources: StaticSource[] = [];

function put(relative: string, content: string | Buffer): string {
  const file = join(base, ...relative.split('/'));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
}

function out(relative: string): string {
  return readFileSync(join(root, ...relative.split('/')), 'utf8');
}

function sha12(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex').slice(0, 12);
}

function manifest(): { version: string; paths: Record<string, string> } {
  return JSON.parse(out('staticfiles.json')) as { version: string; paths: Record<string, string> };
}

function collect(options: Partial<CollectOptions> = {}) {
  return collectStatic({ sources, root, ...options });
}

beforeEach(() => {
  base = tempDir('tsgate-collect-');
  root = join(base, 'collected');
  sources = [
    { prefix: '', dir: join(base, 'static') },
    { prefix: 'vendor', dir: join(base, 'vendorfiles') },
    { prefix: '', dir: join(base, 'pages', 'static') },
  ];
  put('static/shared.txt', 'from project\n');
  put('vendorfiles/lib.js', 'export const x = 1;\n');
  put('pages/static/shared.txt', 'from app\n');
  put('pages/static/pages/app.txt', 'app file\n');
});

describe('gathering', () => {
  it('copies every source, prefixes included, and the first match wins', async () => {
    const result = await collect({ postProcess: false });
    expect(result.copied).toEqual(['pages/app.txt', 'shared.txt', 'vendor/lib.js']);
    expect(out('shared.txt')).toBe('from project\n');
    expect(out('vendor/lib.js')).toBe('export const x = 1;\n');
    expect(out('pages/app.txt')).toBe('app file\n');
    expect(result.duplicates).toEqual([{ path: 'shared.txt', used: join(base, 'static', 'shared.txt'), skipped: join(base, 'pages', 'static', 'shared.txt') }]);
    expect(existsSync(join(root, 'staticfiles.json'))).toBe(false);
  });

  it('follows symlinks inside a source folder but not ones leading out of it', async () => {
    put('secret.txt', 'outside\n');
    symlinkSync(join(base, 'secret.txt'), join(base, 'static', 'escape.txt'));
    symlinkSync(join(base, 'static', 'shared.txt'), join(base, 'static', 'alias.txt'));
    const result = await collect({ postProcess: false });
    expect(result.copied).toContain('alias.txt');
    expect(result.copied).not.toContain('escape.txt');
    expect(out('alias.txt')).toBe('from project\n');
  });

  it('skips the default ignore patterns on every path segment, plus --ignore ones, unless told not to', async () => {
    put('static/.hidden', 'x');
    put('static/.git/config', 'x');
    put('static/notes.txt~', 'x');
    put('static/CVS/Entries', 'x');
    put('static/drafts/a.psd', 'x');
    const result = await collect({ postProcess: false, ignore: ['.*', '*~', 'CVS', '*.psd'] });
    expect(result.copied).toEqual(['pages/app.txt', 'shared.txt', 'vendor/lib.js']);
    const all = await collect({ postProcess: false, ignore: [], clear: true });
    expect(all.copied).toContain('.git/config');
    expect(all.copied).toContain('CVS/Entries');
    expect(all.copied).toContain('notes.txt~');
    // A pattern with a slash is matched against the whole path under the source folder.
    const paths = await collect({ postProcess: false, ignore: ['drafts/*'], clear: true });
    expect(paths.copied).not.toContain('drafts/a.psd');
    expect(paths.copied).toContain('.hidden');
    expect(ignoreMatcher(['*.map'])('a/b/c.js.map')).toBe(true);
    expect(ignoreMatcher(['vendor/*'])('vendor/lib.js')).toBe(true);
  });
});

describe('refusals', () => {
  it('refuses without STATIC_ROOT', async () => {
    await expect(collectStatic({ sources, root: undefined })).rejects.toThrow(/STATIC_ROOT/);
  });

  it('refuses when STATIC_ROOT is inside a source folder', async () => {
    const error = await collectStatic({ sources, root: join(base, 'static', 'out') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CollectStaticError);
    expect((error as Error).message).toContain(join(base, 'static'));
    expect(existsSync(join(base, 'static', 'out'))).toBe(false);
  });
});

describe('post-processing', () => {
  it('writes hashed copies beside the originals and a 1.1 manifest', async () => {
    const result = await collect();
    const hash = sha12('from project\n');
    expect(manifest()).toEqual({
      version: '1.1',
      paths: {
        'pages/app.txt': `pages/app.${sha12('app file\n')}.txt`,
        'shared.txt': `shared.${hash}.txt`,
        'vendor/lib.js': `vendor/lib.${sha12('export const x = 1;\n')}.js`,
      },
    });
    expect(out(`shared.${hash}.txt`)).toBe('from project\n');
    expect(out('shared.txt')).toBe('from project\n');
    expect(result.postProcessed).toHaveLength(3);
    expect(collectSummary(result)).toBe(`3 static files copied to '${root}', 3 post-processed.`);
    expect(readdirSync(root).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('names hashed files as Django does', () => {
    expect(hashedName('css/site.css', '3f2a9c1b7d0e')).toBe('css/site.3f2a9c1b7d0e.css');
    expect(hashedName('LICENSE', 'abc')).toBe('LICENSE.abc');
    expect(hashedName('a.b/c.min.js', 'abc')).toBe('a.b/c.min.abc.js');
  });

  it('rewrites CSS url() and @import to hashed names, leaving external, data and fragment URLs alone', async () => {
    put('static/img/logo.png', 'PNG');
    put('static/fonts/f.woff2', 'WOFF');
    put('static/css/base.css', 'p { margin: 0 }\n');
    put(
      'static/css/site.css',
      [
        '@import "base.css";',
        "@import url('https://fonts.example/x.css');",
        'body { background: url(../img/logo.png) }',
        'h1 { background: url("/static/img/logo.png?v=1#top") }',
        "@font-face { src: url('../fonts/f.woff2#iefix') }",
        'i { background: url(data:image/png;base64,AAAA) }',
        'b { behavior: url(#default) }',
        'u { background: url(//cdn.example/x.png) }',
        'em { background: url(/elsewhere/x.png) }',
        '/*# sourceMappingURL=site.css.map */',
        '',
      ].join('\n'),
    );
    put('static/css/site.css.map', '{}');
    await collect();
    const paths = manifest().paths;
    const logo = paths['img/logo.png'] ?? '';
    const css = out(paths['css/site.css'] ?? '');
    expect(css).toContain(`@import "${(paths['css/base.css'] ?? '').slice(4)}";`);
    expect(css).toContain(`url(../${logo})`);
    expect(css).toContain(`url("/static/${logo}?v=1#top")`);
    expect(css).toContain(`url('../${paths['fonts/f.woff2'] ?? ''}#iefix')`);
    expect(css).toContain(`sourceMappingURL=${(paths['css/site.css.map'] ?? '').slice(4)} */`);
    for (const untouched of ['https://fonts.example/x.css', 'data:image/png;base64,AAAA', 'url(#default)', '//cdn.example/x.png', '/elsewhere/x.png']) {
      expect(css).toContain(untouched);
    }
    expect(paths['css/site.css']).toBe(`css/site.${sha12(css)}.css`);
    // The unhashed copy keeps the original text.
    expect(out('css/site.css')).toContain('url(../img/logo.png)');
    // Every hashed name the stylesheet references exists.
    for (const hashed of Object.values(paths)) expect(existsSync(join(root, hashed))).toBe(true);
  });

  it("processes dependencies first: a.css's hash changes when an image two references away changes", async () => {
    put('static/a.css', '@import url("sub/b.css");\n');
    put('static/sub/b.css', '.x { background: url(../img.png) }\n');
    put('static/img.png', 'one');
    await collect();
    const first = manifest().paths;
    expect(out(first['sub/b.css'] ?? '')).toContain(`url(../${first['img.png'] ?? ''})`);
    expect(out(first['a.css'] ?? '')).toContain(`url("sub/${(first['sub/b.css'] ?? '').slice(4)}")`);
    put('static/img.png', 'two!');
    await collect();
    const second = manifest().paths;
    expect(second['img.png']).not.toBe(first['img.png']);
    expect(second['sub/b.css']).not.toBe(first['sub/b.css']);
    expect(second['a.css']).not.toBe(first['a.css']);
    expect(second['shared.txt']).toBe(first['shared.txt']);
  });

  it('reports a missing reference naming both files', async () => {
    put('static/css/site.css', 'body { background: url(../img/gone.png) }\n');
    await expect(collect()).rejects.toThrow("The file 'img/gone.png' referenced from 'css/site.css' (as '../img/gone.png') could not be found.");
  });

  it('reports a reference cycle', async () => {
    put('static/a.css', '@import "b.css";\n');
    put('static/b.css', '@import "a.css";\n');
    await expect(collect()).rejects.toThrow("CSS files reference each other in a cycle: 'a.css' -> 'b.css' -> 'a.css'");
  });

  it('rewrites only what it should (unit)', () => {
    const text = 'a{background:url( "x.png" )} b{background:url(y.png)}';
    expect(rewriteCss(text, 'css/s.css', '/static/', (target) => `${target}.H`)).toBe('a{background:url( "x.png.H" )} b{background:url(y.png.H)}');
  });
});

describe('the manifest is written last and atomically', () => {
  it('leaves the previous manifest and outputs untouched when a run fails', async () => {
    put('static/css/site.css', 'body { background: url(../img/logo.png) }\n');
    put('static/img/logo.png', 'PNG');
    await collect();
    const before = out('staticfiles.json');
    const names = readdirSync(root, { recursive: true }).map(String).sort();
    put('static/css/site.css', 'body { background: url(../img/missing.png) }\n');
    put('static/new.txt', 'new');
    await expect(collect()).rejects.toThrow(/missing\.png.*css\/site\.css/);
    expect(out('staticfiles.json')).toBe(before);
    expect(readdirSync(root, { recursive: true }).map(String).sort()).toEqual(names);
  });
});

describe('options', () => {
  it('--dry-run writes nothing', async () => {
    const messages: string[] = [];
    const result = await collect({ dryRun: true, log: (message) => messages.push(message) });
    expect(existsSync(root)).toBe(false);
    expect(result.copied).toHaveLength(3);
    expect(messages.some((message) => message.startsWith('Pretending to copy'))).toBe(true);
  });

  it('--dry-run with --clear deletes nothing', async () => {
    await collect();
    const names = readdirSync(root).sort();
    await collect({ dryRun: true, clear: true });
    expect(readdirSync(root).sort()).toEqual(names);
  });

  it('--clear empties STATIC_ROOT first', async () => {
    mkdirSync(join(root, 'old'), { recursive: true });
    writeFileSync(join(root, 'old', 'stale.txt'), 'stale');
    writeFileSync(join(root, 'shared.txt'), 'from project\n');
    const result = await collect({ clear: true });
    expect(existsSync(join(root, 'old'))).toBe(false);
    expect(result.copied).toHaveLength(3);
    expect(result.unmodified).toEqual([]);
    expect(Object.keys(manifest().paths)).toHaveLength(3);
  });

  it('keeps .gz and .br copies only where they save at least 5%', async () => {
    put('static/big.css', `${'body { color: red; }\n'.repeat(200)}`);
    put('static/tiny.js', 'x');
    put('static/photo.png', 'a'.repeat(2000));
    await collect();
    const hashed = manifest().paths['big.css'] ?? '';
    for (const name of ['big.css', hashed]) {
      expect(gunzipSync(readFileSync(join(root, `${name}.gz`))).toString()).toBe(out(name));
      expect(existsSync(join(root, `${name}.br`))).toBe(true);
    }
    expect(existsSync(join(root, 'tiny.js.gz'))).toBe(false);
    expect(existsSync(join(root, 'tiny.js.br'))).toBe(false);
    expect(existsSync(join(root, 'photo.png.gz'))).toBe(false);
  });
  it('tries every type but the compressed formats, as whitenoise: a font, an icon, wasm and a file without extension get copies; .woff2, .png and .mp4 do not; bytes that do not compress keep none', async () => {
    const text = 'glyph table entry 0123456789 abcdefghij\n'.repeat(100);
    const compressible = ['fonts/f.ttf', 'fonts/f.otf', 'favicon.ico', 'app.wasm', 'data.csv', 'LICENSE', 'dir.v2/NOTICE'];
    const skipped = ['fonts/f.woff2', 'img/a.PNG', 'video/clip.mp4', 'archive.zip'];
    for (const name of [...compressible, ...skipped]) put(`static/${name}`, text);
    // Incompressible bytes under a name not on the list: gzip cannot shrink them by 1%, so brotli is not tried.
    put('static/blob.bin', randomBytes(4096));
    await collect();
    const paths = manifest().paths;
    for (const name of compressible) {
      for (const file of [name, paths[name] ?? '']) {
        expect(brotliDecompressSync(readFileSync(join(root, `${file}.br`))).toString(), file).toBe(text);
        expect(gunzipSync(readFileSync(join(root, `${file}.gz`))).toString(), file).toBe(text);
      }
    }
    for (const name of [...skipped, 'blob.bin']) {
      for (const file of [name, paths[name] ?? '']) {
        expect(existsSync(join(root, `${file}.gz`)), file).toBe(false);
        expect(existsSync(join(root, `${file}.br`)), file).toBe(false);
      }
    }
  });
});

describe('reruns', () => {
  it('count unchanged files as unmodified and copy only what changed', async () => {
    await collect();
    const second = await collect();
    expect(second.copied).toEqual([]);
    expect(second.unmodified).toHaveLength(3);
    expect(collectSummary(second)).toBe(`0 static files copied to '${root}', 3 unmodified, 3 post-processed.`);
    const file = put('static/shared.txt', 'changed\n');
    const later = new Date(Date.now() + 5000);
    utimesSync(file, later, later);
    const third = await collect();
    expect(third.copied).toEqual(['shared.txt']);
    expect(third.unmodified).toHaveLength(2);
    expect(out('shared.txt')).toBe('changed\n');
    expect(manifest().paths['shared.txt']).toBe(`shared.${sha12('changed\n')}.txt`);
    expect(statSync(join(root, 'shared.txt')).size).toBe(8);
  });
});

describe('JS references', () => {
  const app = [
    "import { a } from './lib/a.js';",
    'import b from "../shared/b.js";',
    "export { c } from './lib/c.js';",
    "export * from './lib/c.js';",
    "import {\n  d,\n  e as f,\n} from './lib/a.js';",
    "import './side.js';",
    "import React from 'react';",
    "import { x } from '@scope/pkg/x.js';",
    "import abs from '/static/js/lib/a.js';",
    "const lazy = () => import('./lazy.js');",
    'const dynamic = (name) => import(name);',
    "const text = 'not an import ./lib/a.js';",
    '//# sourceMappingURL=app.js.map',
    '',
  ].join('\n');

  beforeEach(() => {
    put('static/js/app.js', app);
    put('static/js/lib/a.js', 'export const a = 1, d = 2, e = 3;\n');
    put('static/js/lib/c.js', 'export const c = 1;\n');
    put('static/shared/b.js', 'export default 1;\n');
    put('static/js/side.js', 'globalThis.side = true;\n');
    put('static/js/lazy.js', 'export default 2;\n');
    put('static/js/app.js.map', '{"version":3}');
  });

  it('rewrites relative imports, exports, side-effect and literal dynamic imports and the source map; bare specifiers stay', async () => {
    await collect();
    const paths = manifest().paths;
    const base = (name: string) => (paths[name] ?? '').split('/').pop() ?? '';
    const js = out(paths['js/app.js'] ?? '');
    expect(js).toContain(`import { a } from './lib/${base('js/lib/a.js')}';`);
    expect(js).toContain(`import b from "../shared/${base('shared/b.js')}";`);
    expect(js).toContain(`export { c } from './lib/${base('js/lib/c.js')}';`);
    expect(js).toContain(`export * from './lib/${base('js/lib/c.js')}';`);
    expect(js).toContain(`} from './lib/${base('js/lib/a.js')}';`);
    expect(js).toContain(`import './${base('js/side.js')}';`);
    expect(js).toContain(`import abs from '/static/${paths['js/lib/a.js'] ?? ''}';`);
    expect(js).toContain(`import('./${base('js/lazy.js')}')`);
    expect(js).toContain(`//# sourceMappingURL=${base('js/app.js.map')}`);
    expect(js).toContain("import React from 'react';");
    expect(js).toContain("import { x } from '@scope/pkg/x.js';");
    expect(js).toContain('import(name)');
    expect(js).toContain("'not an import ./lib/a.js'");
    expect(paths['js/app.js']).toBe(`js/app.${sha12(js)}.js`);
    // The original keeps its text; every name the hashed copy uses exists.
    expect(out('js/app.js')).toBe(app);
    for (const hashed of Object.values(paths)) expect(existsSync(join(root, hashed))).toBe(true);
  });

  it("covers dependencies in the hash: app.js's name changes when lib/a.js changes", async () => {
    await collect();
    const first = manifest().paths;
    const file = put('static/js/lib/a.js', 'export const a = 9, d = 2, e = 3;\n');
    const later = new Date(Date.now() + 5000);
    utimesSync(file, later, later);
    await collect();
    const second = manifest().paths;
    expect(second['js/lib/a.js']).not.toBe(first['js/lib/a.js']);
    expect(second['js/app.js']).not.toBe(first['js/app.js']);
    expect(second['js/lib/c.js']).toBe(first['js/lib/c.js']);
  });

  it('reports a missing module naming both files, and a cycle', async () => {
    put('static/js/broken.js', "import { gone } from './gone.js';\n");
    await expect(collect()).rejects.toThrow("The file 'js/gone.js' referenced from 'js/broken.js' (as './gone.js') could not be found.");
    put('static/js/broken.js', "import './loop.js';\n");
    put('static/js/loop.js', "export * from './broken.js';\n");
    await expect(collect()).rejects.toThrow("Files reference each other in a cycle: 'js/broken.js' -> 'js/loop.js' -> 'js/broken.js'");
  });

  it('with strict false, a missing reference is a warning and stays as written', async () => {
    put('static/js/broken.js', "import { gone } from './gone.js';\nimport { a } from './lib/a.js';\n");
    put('static/css/site.css', 'body { background: url(../img/gone.png) }\n');
    const result = await collect({ strict: false });
    expect(result.warnings).toEqual([
      "The file 'img/gone.png' referenced from 'css/site.css' (as '../img/gone.png') could not be found. The reference is left as written.",
      "The file 'js/gone.js' referenced from 'js/broken.js' (as './gone.js') could not be found. The reference is left as written.",
    ]);
    const paths = manifest().paths;
    const broken = out(paths['js/broken.js'] ?? '');
    expect(broken).toContain("from './gone.js'");
    expect(broken).toContain(`from './lib/${(paths['js/lib/a.js'] ?? '').split('/').pop() ?? ''}'`);
    expect(out(paths['css/site.css'] ?? '')).toContain('url(../img/gone.png)');
  });
});

describe('incremental reruns', () => {
  beforeEach(() => {
    put('static/img/logo.png', 'PNG one');
    put('static/css/b.css', '.x { background: url(../img/logo.png) }\n');
    put('static/css/a.css', '@import "b.css";\n');
    put('static/css/other.css', 'p { margin: 0 }\n');
    put('static/js/app.js', "import './util.js';\n");
    put('static/js/util.js', 'export {};\n');
  });

  const mtimes = () => Object.fromEntries(Object.values(manifest().paths).map((hashed) => [hashed, statSync(join(root, hashed)).mtimeMs]));

  it('a no-op rerun redoes nothing and trusts the cache (an unchanged stat is not read again)', async () => {
    const file = join(base, 'static', 'css', 'other.css');
    const past = new Date('2024-01-02T03:04:05Z');
    utimesSync(file, past, past);
    const first = await collect();
    expect(first.redone).toHaveLength(first.postProcessed.length);
    const before = manifest().paths;
    const times = mtimes();
    const written = ['staticfiles.json', CACHE_NAME].map((name) => statSync(join(root, name)).mtimeMs);
    const second = await collect();
    expect(second.redone).toEqual([]);
    expect(['staticfiles.json', CACHE_NAME].map((name) => statSync(join(root, name)).mtimeMs)).toEqual(written);
    expect(second.copied).toEqual([]);
    expect(manifest().paths).toEqual(before);
    expect(mtimes()).toEqual(times);
    // Same size and mtime: the cache says unchanged, so the content is not hashed again.
    writeFileSync(file, 'p { margin: 1 }\n');
    utimesSync(file, past, past);
    await collect();
    expect(manifest().paths['css/other.css']).toBe(before['css/other.css']);
  });

  it('a changed file redoes itself and the files referencing it, transitively, and nothing else', async () => {
    await collect();
    const before = manifest().paths;
    const file = put('static/img/logo.png', 'PNG two');
    const later = new Date(Date.now() + 5000);
    utimesSync(file, later, later);
    const result = await collect();
    expect(result.copied).toEqual(['img/logo.png']);
    expect(result.redone).toEqual(['css/a.css', 'css/b.css', 'img/logo.png']);
    const after = manifest().paths;
    for (const name of ['img/logo.png', 'css/b.css', 'css/a.css']) expect(after[name]).not.toBe(before[name]);
    for (const name of ['css/other.css', 'js/app.js', 'js/util.js', 'shared.txt']) expect(after[name]).toBe(before[name]);
    expect(out(after['css/b.css'] ?? '')).toContain(`url(../${after['img/logo.png'] ?? ''})`);
  });

  it('a touched file whose content is the same keeps every name', async () => {
    await collect();
    const before = manifest().paths;
    const later = new Date(Date.now() + 5000);
    utimesSync(join(base, 'static', 'js', 'util.js'), later, later);
    const result = await collect();
    expect(result.redone).toEqual(['js/util.js']);
    expect(manifest().paths).toEqual(before);
  });

  it('a missing hashed output is made again', async () => {
    await collect();
    const hashed = manifest().paths['css/other.css'] ?? '';
    rmSync(join(root, hashed));
    const result = await collect();
    expect(result.redone).toEqual(['css/other.css']);
    expect(existsSync(join(root, hashed))).toBe(true);
  });
});

describe('--link', () => {
  it('symlinks the originals, keeps hashed and compressed copies as files, and switches back to copies safely', async () => {
    put('static/big.css', `${'body { color: red; }\n'.repeat(200)}`);
    const result = await collect({ link: true });
    expect(collectSummary(result)).toBe(`4 static files symlinked to '${root}', 4 post-processed.`);
    expect(lstatSync(join(root, 'shared.txt')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(root, 'big.css'))).toBe(join(base, 'static', 'big.css'));
    const hashed = manifest().paths['big.css'] ?? '';
    expect(lstatSync(join(root, hashed)).isFile()).toBe(true);
    expect(lstatSync(join(root, `${hashed}.br`)).isFile()).toBe(true);
    expect((await collect({ link: true })).copied).toEqual([]);
    // Copies where links were: the links are replaced, never written through.
    const copied = await collect();
    expect(copied.copied).toHaveLength(4);
    expect(lstatSync(join(root, 'big.css')).isFile()).toBe(true);
    expect(readFileSync(join(base, 'static', 'big.css'), 'utf8')).toBe(`${'body { color: red; }\n'.repeat(200)}`);
  });
});

describe('compression and progress', () => {
  it('writes brotli and gzip copies that decode to each file, original and hashed, and reports progress to the end', async () => {
    put('static/app.js', `${'export const value = "some text";\n'.repeat(100)}`);
    put('static/site.css', `@import "other.css";\n${'p { color: blue; }\n'.repeat(100)}`);
    put('static/other.css', `${'a { color: red; }\n'.repeat(100)}`);
    const calls: [number, number][] = [];
    await collect({ progress: (done, total) => calls.push([done, total]) });
    const paths = manifest().paths;
    for (const name of ['app.js', 'site.css', paths['app.js'] ?? '', paths['site.css'] ?? '']) {
      const content = readFileSync(join(root, name));
      expect(brotliDecompressSync(readFileSync(join(root, `${name}.br`))).equals(content), name).toBe(true);
      expect(gunzipSync(readFileSync(join(root, `${name}.gz`))).equals(content), name).toBe(true);
    }
    const last = calls.at(-1) ?? [0, -1];
    expect(last[0]).toBe(last[1]);
    expect(calls[0]).toEqual([0, last[1]]);
    expect(calls.every(([done], index) => index === 0 || done === (calls[index - 1]?.[0] ?? 0) + 1)).toBe(true);
  });

  it.each([9, 11])('at brotli %i gives a small file the 16-bit window, whose stream header is 1 bit (a smaller window costs 7)', async (brotliQuality) => {
    put('static/small.css', `${'p { color: blue; }\n'.repeat(60)}`);
    await collect({ brotliQuality });
    const br = readFileSync(join(root, 'small.css.br'));
    expect(brotliDecompressSync(br).equals(readFileSync(join(root, 'small.css')))).toBe(true);
    // WBITS: a first bit of 0 means a 16-bit window.
    expect((br[0] ?? 1) & 1).toBe(0);
  });

  it.each([false, true])('compresses files with the same bytes once (keepOnlyHashed %s): their copies are one file, a file of the same length with other bytes its own', async (keepOnlyHashed) => {
    const library = `${'export const value = "vendored";\n'.repeat(80)}`;
    put('static/one/lib.js', library);
    put('vendorfiles/two/lib.js', library);
    put('pages/static/pages/copy.mjs', library);
    put('static/other.js', library.replace('vendored', 'VENDORED'));
    const calls: [number, number][] = [];
    await collect({ keepOnlyHashed, progress: (done, total) => calls.push([done, total]) });
    const paths = manifest().paths;
    const names = ['one/lib.js', 'vendor/two/lib.js', 'pages/copy.mjs', 'other.js'].flatMap((name) => (keepOnlyHashed ? [paths[name] ?? ''] : [name, paths[name] ?? '']));
    for (const name of names) {
      const content = readFileSync(join(root, name));
      expect(brotliDecompressSync(readFileSync(join(root, `${name}.br`))).equals(content), name).toBe(true);
      expect(gunzipSync(readFileSync(join(root, `${name}.gz`))).equals(content), name).toBe(true);
    }
    for (const suffix of ['.br', '.gz']) {
      const inodes = new Set(names.filter((name) => !name.startsWith('other.')).map((name) => statSync(join(root, name + suffix)).ino));
      expect(inodes.size, suffix).toBe(1);
      expect(inodes.has(statSync(join(root, (keepOnlyHashed ? (paths['other.js'] ?? '') : 'other.js') + suffix)).ino), suffix).toBe(false);
    }
    const last = calls.at(-1) ?? [0, -1];
    expect(last[0]).toBe(last[1]);
  });
});

describe('a failure while writing', () => {
  it('leaves the previous manifest and cache in place, and the next run recovers', async () => {
    put('static/img/logo.png', 'PNG one');
    put('static/css/site.css', 'body { background: url(../img/logo.png) }\n');
    await collect();
    const manifestBefore = out('staticfiles.json');
    const cacheBefore = out(CACHE_NAME);
    const file = put('static/img/logo.png', 'PNG two');
    const later = new Date(Date.now() + 5000);
    utimesSync(file, later, later);
    // A folder where the new hashed copy must go: writing it fails mid-run.
    const blocked = join(root, hashedName('img/logo.png', sha12('PNG two')));
    mkdirSync(join(blocked, 'in-the-way'), { recursive: true });
    await expect(collect()).rejects.toThrow();
    expect(out('staticfiles.json')).toBe(manifestBefore);
    expect(out(CACHE_NAME)).toBe(cacheBefore);
    // Every name the old manifest gives still exists.
    for (const hashed of Object.values(JSON.parse(manifestBefore).paths as Record<string, string>)) expect(existsSync(join(root, hashed))).toBe(true);
    rmSync(blocked, { recursive: true });
    const result = await collect();
    expect(result.redone).toEqual(['css/site.css', 'img/logo.png']);
    const paths = manifest().paths;
    expect(paths['img/logo.png']).toBe(hashedName('img/logo.png', sha12('PNG two')));
    expect(out(paths['css/site.css'] ?? '')).toContain(`url(../${paths['img/logo.png'] ?? ''})`);
  });
});

describe('a run over an existing tree', () => {
  /** Every file under root with its inode, for "was it created again?". */
  function inodes(): Map<string, number> {
    const found = new Map<string, number>();
    for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && !entry.name.startsWith('.') && entry.name !== 'staticfiles.json') found.set(join(entry.parentPath, entry.name), lstatSync(join(entry.parentPath, entry.name)).ino);
    }
    return found;
  }

  beforeEach(() => {
    put('static/css/site.css', `${'body { background: url("../img/bg.png"); }\n'.repeat(100)}`);
    put('static/img/bg.png', 'png bytes');
    put('static/app.js', `${'console.log("hello");\n'.repeat(100)}`);
  });

  it('without the rerun cache keeps every identical output (same inode) and rewrites only what changed', async () => {
    await collect();
    const before = inodes();
    expect([...before.keys()].some((path) => path.endsWith('.br'))).toBe(true);
    rmSync(join(root, CACHE_NAME));
    put('static/app.js', `${'console.log("changed");\n'.repeat(100)}`);
    await collect();
    const after = inodes();
    const changed = [...after].filter(([path, ino]) => before.get(path) !== ino).map(([path]) => path.slice(root.length + 1));
    // app.js, its .gz and .br, and the new hashed name with its .gz and .br (links to the original's).
    expect(changed.filter((path) => !path.startsWith('app.'))).toEqual([]);
    expect(changed).toContain('app.js');
    expect(out('app.js')).toContain('changed');
    expect(gunzipSync(readFileSync(join(root, 'app.js.gz'))).toString()).toContain('changed');
  });

  it('--clear removes what this run does not write, keeps identical outputs and replaces a different file of the same name', async () => {
    await collect();
    const before = inodes();
    mkdirSync(join(root, 'old'), { recursive: true });
    writeFileSync(join(root, 'old', 'stale.txt'), 'stale');
    writeFileSync(join(root, 'stale.css.gz'), 'stale');
    // Written in place: the hashed name, a hard link to the same file, changes with it.
    writeFileSync(join(root, 'shared.txt'), 'edited in STATIC_ROOT\n');
    await collect({ clear: true });
    expect(existsSync(join(root, 'old'))).toBe(false);
    expect(existsSync(join(root, 'stale.css.gz'))).toBe(false);
    expect(out('shared.txt')).toBe('from project\n');
    const after = inodes();
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    const changed = [...after].filter(([path, ino]) => before.get(path) !== ino).map(([path]) => path.slice(root.length + 1));
    expect(changed.sort()).toEqual([manifest().paths['shared.txt'], 'shared.txt']);
    expect(out(manifest().paths['shared.txt'] ?? '')).toBe('from project\n');
  });
});
