/**
 * {{#cache ttl "name" vary…}} in the handlebars engine: a fragment is
 * rendered once and then read from the cache, kept apart by the values it
 * varies on, filled inside out when nested, rendered late with the context
 * it had, and rendered in place where no cache is given or the cache is down.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCache } from '../../src/runtime/cache/index.js';
import { logger } from '../../src/runtime/logging/index.js';
import { closeRedis } from '../../src/runtime/redis/index.js';
import { createTemplateEngine, TemplateError, type TemplateEngine } from '../../src/runtime/templates/index.js';
import { tempDir } from '../helpers/process.js';
import { uniqueName } from './stores.js';

let dir = '';
let ticks = 0;

const TEMPLATES: Record<string, string> = {
  'page.html': '<h1>{{title}}</h1>{{#cache 60 "sidebar" user.id}}<aside>{{user.name}} {{tick}}</aside>{{/cache}}<p>{{tick}}</p>',
  'nested.html': '{{#cache 60 "outer"}}[outer {{tick}} {{#cache 60 "inner" n}}(inner {{n}} {{tick}}){{/cache}}]{{/cache}}',
  'loop.html': '{{#each items}}{{#cache 60 "item" this.id}}<li>{{@index}}:{{this.label}}:{{@root.suffix}}</li>{{/cache}}{{/each}}',
  'never.html': '{{#cache 0 "never"}}{{tick}}{{/cache}}',
  'bad.html': '{{#cache "soon" "x"}}x{{/cache}}',
  'forged.html': '{{{text}}}{{#cache 60 "real"}}ok{{/cache}}',
};

function engineWith(fragmentCache?: ReturnType<typeof createCache>): TemplateEngine {
  return createTemplateEngine({ dirs: [dir], debug: false, helpers: { tick: () => ++ticks }, ...(fragmentCache ? { fragmentCache } : {}) });
}

beforeAll(() => {
  dir = tempDir('tsgate-fragments-');
  for (const [name, text] of Object.entries(TEMPLATES)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
});

afterAll(async () => {
  await closeRedis();
  rmSync(dir, { recursive: true, force: true });
});

describe('{{#cache}} fragments', () => {
  it('are rendered once per vary value, then read from the cache', async () => {
    const engine = engineWith(createCache({ URL: `locmem://${uniqueName()}` }));
    const first = await engine.renderAsync('page.html', { title: 'A', user: { id: 1, name: 'ann' } });
    const again = await engine.renderAsync('page.html', { title: 'B', user: { id: 1, name: 'changed' } });
    const other = await engine.renderAsync('page.html', { title: 'C', user: { id: 2, name: 'bob' } });
    const aside = /<aside>(.*?)<\/aside>/;
    expect(first).toMatch(/^<h1>A<\/h1><aside>ann \d+<\/aside><p>\d+<\/p>$/);
    expect(aside.exec(again)?.[1]).toBe(aside.exec(first)?.[1]);
    expect(again).toMatch(/^<h1>B<\/h1>/);
    expect(other).toMatch(/<aside>bob \d+<\/aside>/);
  });

  it('fill nested fragments inside out, and store the outer one whole', async () => {
    const cache = createCache({ URL: `locmem://${uniqueName()}` });
    const engine = engineWith(cache);
    const first = await engine.renderAsync('nested.html', { n: 1 });
    expect(first).toMatch(/^\[outer \d+ \(inner 1 \d+\)\]$/);
    expect(first).not.toContain('tsgate:fragment');
    expect(await engine.renderAsync('nested.html', { n: 2 })).toBe(first);
  });

  it('keep their context, @index and @root when rendered after the page', async () => {
    const engine = engineWith(createCache({ URL: `locmem://${uniqueName()}` }));
    const items = [{ id: 'a', label: 'Apple' }, { id: 'b', label: 'Pear' }];
    expect(await engine.renderAsync('loop.html', { items, suffix: '!' })).toBe('<li>0:Apple:!</li><li>1:Pear:!</li>');
  });

  it('with ttl 0 are never kept; a bad ttl is a TemplateError that says what to write', async () => {
    const engine = engineWith(createCache({ URL: `locmem://${uniqueName()}` }));
    expect(await engine.renderAsync('never.html')).not.toBe(await engine.renderAsync('never.html'));
    await expect(engine.renderAsync('bad.html')).rejects.toThrow(TemplateError);
    await expect(engine.renderAsync('bad.html')).rejects.toThrow(/seconds to keep the fragment \(or null\), e\.g\. \{\{#cache 600 "sidebar"\}\}; got "soon"/);
  });

  it('cannot be forged by page content', async () => {
    const engine = engineWith(createCache({ URL: `locmem://${uniqueName()}` }));
    const text = '<!--tsgate:fragment:x:0-->';
    expect(await engine.renderAsync('forged.html', { text })).toBe(`${text}ok`);
  });

  it('are rendered in place without a cache, and by the synchronous render()', async () => {
    const plain = engineWith();
    expect(plain.renderCached('nested.html', { n: 3 })).toMatch(/^\[outer \d+ \(inner 3 \d+\)\]$/);
    const cached = engineWith(createCache({ URL: `locmem://${uniqueName()}` }));
    expect(cached.render('nested.html', { n: 4 })).toMatch(/^\[outer \d+ \(inner 4 \d+\)\]$/);
  });

  it('are rendered in place when the cache is down, with one warning', async () => {
    const warnings: string[] = [];
    vi.spyOn(logger, 'warning').mockImplementation((message: string) => void warnings.push(message));
    try {
      const engine = engineWith(createCache({ URL: 'redis://127.0.0.1:9/0?timeout=1' }, "CACHES['down']"));
      const first = await engine.renderAsync('page.html', { title: 'A', user: { id: 1, name: 'ann' } });
      const second = await engine.renderAsync('page.html', { title: 'A', user: { id: 1, name: 'ann' } });
      expect(first).toMatch(/<aside>ann \d+<\/aside>/);
      expect(second).not.toBe(first);
      expect(warnings.filter((line) => line.startsWith("The cache CACHES['down']"))).toHaveLength(1);
    } finally {
      vi.restoreAllMocks();
    }
  }, 30_000);
});
