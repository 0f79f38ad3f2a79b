/**
 * Renders a template folder: `*.hbs` files through handlebars (suffix
 * dropped), others copied; `__name__` in a path becomes the project name and
 * a leading `_` a dot (`_gitignore` → `.gitignore`), since dotfiles do not
 * survive npm packing. Rendering is in memory, so `--dry-run` and `upgrade`
 * can look at a project without writing one.
 */
import Handlebars from 'handlebars';
import fs from 'fs-extra';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';

export type TemplateContext = Record<string, unknown> & { name: string };

export interface RenderedFile {
  /** Output path relative to the project, with `/` separators. */
  path: string;
  content: Buffer;
}

/** Decides, by output path, which template files a project leaves out (the example app with --no-example). */
export type Skip = (path: string) => boolean;

function outputPath(templatePath: string, context: TemplateContext): string {
  return templatePath
    .split(sep)
    .map((part) => part.replaceAll('__name__', context.name).replace(/^_(?!_)/, '.').replace(/\.hbs$/, ''))
    .join('/');
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** Renders `templateDir` into memory, sorted by path. */
export async function renderFiles(templateDir: string, context: TemplateContext, skip: Skip = () => false): Promise<RenderedFile[]> {
  const files: RenderedFile[] = [];
  for (const file of await listFiles(templateDir)) {
    const path = outputPath(file, context);
    if (skip(path)) continue;
    const source = await readFile(join(templateDir, file));
    if (file.endsWith('.hbs')) {
      const template = Handlebars.compile(source.toString('utf8'), { noEscape: true, strict: true });
      files.push({ path, content: Buffer.from(template(context)) });
    } else {
      files.push({ path, content: source });
    }
  }
  return files.sort(byPath);
}

/** Orders files by path, as a project's file list is shown and locked. */
export function byPath(a: RenderedFile, b: RenderedFile): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

export async function writeFiles(outDir: string, files: readonly RenderedFile[]): Promise<void> {
  for (const file of files) {
    const destination = join(outDir, file.path);
    await fs.mkdirp(dirname(destination));
    await fs.writeFile(destination, file.content);
  }
}

/** Renders `templateDir` into `outDir`; returns the written paths, relative to `outDir`. */
export async function renderTemplate(templateDir: string, outDir: string, context: TemplateContext, skip?: Skip): Promise<string[]> {
  const files = await renderFiles(templateDir, context, skip);
  await writeFiles(outDir, files);
  return files.map((file) => file.path);
}
