/**
 * `.tsgate/template.lock.json`: what the template rendered when the project
 * was made (or last upgraded) — the choices, and the text of every rendered
 * file. `upgrade` uses those texts as the base of its three-way merges. One
 * JSON file, committed with the project, so no glob of the project's (tsc,
 * tests) ever picks the copies up. `.env` is never recorded: it holds the
 * development secret.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatabaseName } from './database.js';
import { CreateError } from './errors.js';
import type { AuthChoice } from './options.js';
import type { PackageManagerName } from './package-manager.js';
import type { ServiceName } from './options.js';
import type { RenderedFile } from './render.js';

export const LOCK_PATH = '.tsgate/template.lock.json';

/** Rendered files the lock leaves out: the user's own from the first moment. */
export const UNTRACKED = new Set(['.env']);

/** What the template is rendered with, less the secret. */
export interface LockedChoices {
  name: string;
  database: DatabaseName;
  /** Absent in projects made before --services: none. */
  services?: ServiceName[];
  example: boolean;
  /** Absent in locks written before tsgate/auth: such projects have none. */
  auth?: AuthChoice;
  pm: PackageManagerName;
}

export interface TemplateLock {
  about: string;
  generator: string;
  runtime: string;
  choices: LockedChoices;
  /** Base text by project path; `encoding: 'base64'` for a file that is not UTF-8 text. */
  files: Record<string, { sha256: string; base: string; encoding?: 'base64' }>;
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

function isText(content: Buffer): boolean {
  return Buffer.from(content.toString('utf8'), 'utf8').equals(content);
}

export function lockFile(files: readonly RenderedFile[], meta: Omit<TemplateLock, 'about' | 'files'>): RenderedFile {
  const lock: TemplateLock = {
    about: 'Written by create-tsgate-project: the template as generated, the base that `create-tsgate-project upgrade` merges from. Commit it; do not edit it.',
    ...meta,
    files: {},
  };
  for (const file of files) {
    if (UNTRACKED.has(file.path)) continue;
    lock.files[file.path] = isText(file.content)
      ? { sha256: sha256(file.content), base: file.content.toString('utf8') }
      : { sha256: sha256(file.content), base: file.content.toString('base64'), encoding: 'base64' };
  }
  return { path: LOCK_PATH, content: Buffer.from(`${JSON.stringify(lock, null, 2)}\n`) };
}

export function baseContent(entry: TemplateLock['files'][string]): Buffer {
  return Buffer.from(entry.base, entry.encoding === 'base64' ? 'base64' : 'utf8');
}

export async function readLock(projectDir: string): Promise<TemplateLock> {
  const path = join(projectDir, LOCK_PATH);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new CreateError(`no ${LOCK_PATH} in ${projectDir}: run upgrade in the folder of a project made by create-tsgate-project`);
  }
  try {
    const lock = JSON.parse(text) as TemplateLock;
    if (typeof lock.choices?.name !== 'string' || typeof lock.files !== 'object') throw new Error('missing fields');
    return lock;
  } catch (error) {
    throw new CreateError(`${path} is damaged (${(error as Error).message}): restore it from git`);
  }
}
