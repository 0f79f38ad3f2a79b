/**
 * Imports project modules by their dotted names (`mysite.settings`), the way
 * Django imports by `sys.path`: relative to the module root, which is the
 * project folder in development and `dist/` in production.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ImproperlyConfigured } from './errors.js';

const EXTENSIONS = ['.js', '.mjs', '.ts', '.mts'];

let moduleRoot: string | undefined;

export function setModuleRoot(dir: string | URL): void {
  moduleRoot = resolve(typeof dir === 'string' ? dir : fileURLToPath(dir));
}

export function getModuleRoot(): string {
  return moduleRoot ?? process.cwd();
}

/** The file behind `mysite.wsgi` or `./path/to/file`, or undefined. */
export function findModuleFile(name: string, root = getModuleRoot()): string | undefined {
  const base = name.includes('/') || name.startsWith('.') ? (isAbsolute(name) ? name : resolve(name)) : join(root, ...name.split('.'));
  if (EXTENSIONS.some((ext) => base.endsWith(ext)) && existsSync(base)) return base;
  for (const ext of EXTENSIONS) if (existsSync(base + ext)) return base + ext;
  return undefined;
}

export async function importModule(name: string, setting?: string): Promise<Record<string, unknown>> {
  const file = findModuleFile(name);
  if (!file) {
    const where = setting ? ` (from ${setting})` : '';
    throw new ImproperlyConfigured([`cannot find module ${JSON.stringify(name)}${where} under ${getModuleRoot()}`]);
  }
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}
