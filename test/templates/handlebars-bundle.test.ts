/**
 * The built runtime carries handlebars' one-file build bundled into
 * dist/templates/handlebars.js (scripts/build.js, src/runtime/templates/handlebars.ts):
 * loading the engine reaches no file of the handlebars package (whose main
 * module is 44 CommonJS files, and whose one-file build is two-byte text for
 * one `—`), and it renders as handlebars does.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../management/built.js';
import { REPO } from '../helpers/process.js';

const DIST = join(REPO, 'build', 'tsgate', 'dist');

describe('the runtime bundles handlebars', () => {
  beforeAll(() => ensureBuilt(), 300_000);

  it('as one-byte text that imports nothing from the handlebars package, with its version and licence', () => {
    const bundled = readFileSync(join(DIST, 'templates', 'handlebars.js'), 'utf8');
    const { version } = JSON.parse(readFileSync(join(REPO, 'node_modules', 'handlebars', 'package.json'), 'utf8')) as { version: string };
    expect(bundled.split('\n', 1)[0]).toContain(`handlebars ${version}`);
    expect(bundled).not.toMatch(/\bfrom\s*['"]handlebars[/'"]|\bimport\s*\(\s*['"]handlebars|\brequire\s*\(\s*['"]handlebars/);
    expect(bundled).not.toMatch(/[^\u0000-\u00ff]/);
    expect(readFileSync(join(DIST, 'templates', 'handlebars.LICENSE'), 'utf8')).toContain('Permission is hereby granted');
  });

  it('is handlebars: the same version, compiling and escaping as the package does', async () => {
    const { default: bundled } = (await import(pathToFileURL(join(DIST, 'templates', 'handlebars.js')).href)) as { default: typeof import('handlebars') };
    const { default: handlebars } = await import('handlebars');
    expect(bundled.VERSION).toBe(handlebars.VERSION);
    // `raw` is the package's SafeString, given to the bundled copy: it is not escaped (handlebars.ts).
    const source = '{{#each items}}<li>{{this}}</li>{{/each}}{{raw}}';
    const context = { items: ['a', '<b>'], raw: new handlebars.SafeString('<i>ok</i>') };
    expect(bundled.create().compile(source)(context)).toBe(handlebars.create().compile(source)(context));
    expect(bundled.create().compile(source)(context)).toBe('<li>a</li><li>&lt;b&gt;</li><i>ok</i>');
  });
});
