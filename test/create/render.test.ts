import Handlebars from 'handlebars';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { templateContext } from '../../src/create/project.js';
import { renderTemplate } from '../../src/create/render.js';
import { tempDir } from '../helpers/process.js';

function template(files: Record<string, string>): string {
  const dir = tempDir('tsgate-template-');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('renderTemplate', () => {
  it('renders .hbs files, copies others verbatim, and renames __name__ and leading underscores', async () => {
    const source = template({
      '__name__/settings.ts.hbs': "export const NAME = '{{name}}';\n",
      'templates/page.html': '<p>{{ not rendered }}</p>\n',
      _gitignore: 'node_modules/\n',
    });
    const out = tempDir();
    const written = await renderTemplate(source, out, { name: 'shop' });
    expect(written).toEqual(['.gitignore', 'shop/settings.ts', 'templates/page.html']);
    expect(readFileSync(join(out, 'shop/settings.ts'), 'utf8')).toBe("export const NAME = 'shop';\n");
    expect(readFileSync(join(out, 'templates/page.html'), 'utf8')).toBe('<p>{{ not rendered }}</p>\n');
    expect(readFileSync(join(out, '.gitignore'), 'utf8')).toBe('node_modules/\n');
  });

  it('does not HTML-escape values, since it writes code', async () => {
    const source = template({ 'a.ts.hbs': 'const s = "{{value}}";' });
    const out = tempDir();
    await renderTemplate(source, out, { name: 'x', value: '<a & b>' });
    expect(readFileSync(join(out, 'a.ts'), 'utf8')).toBe('const s = "<a & b>";');
  });

  it('fails on a variable the template uses but the context lacks', async () => {
    const source = template({ 'a.ts.hbs': '{{missing}}' });
    await expect(renderTemplate(source, tempDir(), { name: 'x' })).rejects.toThrow(/missing/);
  });
});

describe('precompiled project templates (scripts/build.js)', () => {
  const root = join(import.meta.dirname, '..', '..');
  const projectDir = join(root, 'templates', 'project');
  const sources = readdirSync(projectDir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.hbs'))
    .map((entry) => ({ name: relative(projectDir, join(entry.parentPath, entry.name)), source: readFileSync(join(entry.parentPath, entry.name), 'utf8') }));

  it('the build precompiled every .hbs file of templates/project, and each renders as compiling it would', async () => {
    // The generator's built module: npm run build writes it (the source's table is empty).
    const built = (await import(pathToFileURL(join(root, 'dist', 'create', 'precompiled.js')).href)) as typeof import('../../src/create/precompiled.js');
    expect(sources.length).toBeGreaterThan(10);
    const context = templateContext('shop', { database: 'postgres', auth: 'signup', example: true, pm: 'pnpm', services: ['redis'] }, 'tsgate-0.1.0-abc.tgz', 'secret');
    for (const { name, source } of sources) {
      const spec = built.PRECOMPILED[createHash('sha1').update(source).digest('hex')];
      expect(spec, `${name} is not precompiled: run npm run build`).toBeDefined();
      expect(Handlebars.template(spec as NonNullable<typeof spec>)(context), name).toBe(Handlebars.compile(source, built.TEMPLATE_COMPILE_OPTIONS)(context));
    }
  });
});
