/** `staticfiles.json`, as Django's ManifestStaticFilesStorage: read leniently, written atomically. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomically } from './atomic.js';

export const MANIFEST_NAME = 'staticfiles.json';
export const MANIFEST_VERSION = '1.1';
/** collectstatic's record of what each source became, so a rerun costs a stat per unchanged file. */
export const CACHE_NAME = '.staticfiles-cache.json';

/** The manifest's paths in `root`, or `{}` when there is none or it is unreadable. */
export function readManifest(root: string): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(join(root, MANIFEST_NAME), 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || !('paths' in parsed)) return {};
    const paths = (parsed as { paths: unknown }).paths;
    if (typeof paths !== 'object' || paths === null) return {};
    return Object.fromEntries(Object.entries(paths).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  } catch {
    return {};
  }
}

/** The manifest's text. */
export function manifestJson(paths: Readonly<Record<string, string>>): string {
  return `${JSON.stringify({ version: MANIFEST_VERSION, paths }, null, 2)}\n`;
}

/** Writes the manifest to a temporary file in `root`, then renames it over `staticfiles.json`. */
export async function writeManifest(root: string, paths: Readonly<Record<string, string>>): Promise<void> {
  await writeAtomically(join(root, MANIFEST_NAME), manifestJson(paths));
}
