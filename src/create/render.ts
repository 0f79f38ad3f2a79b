/**
 * Renders a template folder into a new folder: `*.hbs` files through
 * handlebars (suffix dropped), others copied; `__name__` in a path becomes
 * the project name and a leading `_` a dot (`_gitignore` → `.gitignore`),
 * since dotfiles do not survive npm packing.
 */
import Handlebars from 'handlebars';
import fs from 'fs-extra';
import { readdir } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';

export type TemplateContext = Record<string, unknown> & { name: string };

function outputPath(templatePath: string, context: TemplateContext): string {
  return templatePath
    .split(sep)
    .map((part) => part.replaceAll('__name__', context.name).replace(/^_(?!_)/, '.').replace(/\.hbs$/, ''))
    .join(sep);
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** Renders `templateDir` into `outDir`; returns the written paths, relative to `outDir`. */
export async function renderTemplate(templateDir: string, outDir: string, context: TemplateContext): Promise<string[]> {
  const written: string[] = [];
  for (const file of await listFiles(templateDir)) {
    const target = outputPath(file, context);
    const destination = join(outDir, target);
    await fs.mkdirp(dirname(destination));
    if (file.endsWith('.hbs')) {
      const source = await fs.readFile(join(templateDir, file), 'utf8');
      const template = Handlebars.compile(source, { noEscape: true, strict: true });
      await fs.writeFile(destination, template(context));
    } else {
      await fs.copyFile(join(templateDir, file), destination);
    }
    written.push(target);
  }
  return written.sort();
}
