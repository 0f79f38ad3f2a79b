import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
