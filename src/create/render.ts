/**
 * Renders a template folder: `*.hbs` files through handlebars (suffix
 * dropped), others copied; `__name__` in a path becomes the project name and
 * a leading `_` a dot (`_gitignore` → `.gitignore`), since dotfiles do not
 * survive npm packing. Rendering is in memory, so `--dry-run` and `upgrade`
 * can look at a project without writing one.
 */
import type Handlebars from 'handlebars';
import type { TemplateDelegate } from 'handlebars';
import HandlebarsRuntime from 'handlebars/runtime.js';
import fs from 'fs-extra';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { PRECOMPILED, TEMPLATE_COMPILE_OPTIONS } from './precompiled.js';

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

/** handlebars without its compiler; its runtime.d.ts declares nothing, though it is the same API less compile(). */
const Runtime = HandlebarsRuntime as unknown as Pick<typeof Handlebars, 'template'>;

/**
 * The template for `source`: precompiled by the build when it saw this exact
 * source (precompiled.ts), else compiled now — the compiler is loaded only
 * then.
 */
async function compileTemplate(source: string): Promise<TemplateDelegate> {
  const spec = PRECOMPILED[createHash('sha1').update(source).digest('hex')];
  if (spec !== undefined) return Runtime.template(spec);
  const { default: compiler } = await import('handlebars');
  return compiler.compile(source, TEMPLATE_COMPILE_OPTIONS);
}

/** Renders `templateDir` into memory, sorted by path. */
export async function renderFiles(templateDir: string, context: TemplateContext, skip: Skip = () => false): Promise<RenderedFile[]> {
  const files: RenderedFile[] = [];
  for (const file of await listFiles(templateDir)) {
    const path = outputPath(file, context);
    if (skip(path)) continue;
    const source = await readFile(join(templateDir, file));
    if (file.endsWith('.hbs')) {
      const template = await compileTemplate(source.toString('utf8'));
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
