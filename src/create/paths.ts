import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateError } from './errors.js';

/** The generator's own folder: two levels above this file in src/create and in dist/create. */
export const GENERATOR_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const PROJECT_TEMPLATE = join(GENERATOR_ROOT, 'templates', 'project');

/**
 * The project template to render. CREATE_TSGATE_TEMPLATE points at another
 * folder: tests of `upgrade` use it to stand for a newer template.
 */
export function projectTemplate(): string {
  return process.env.CREATE_TSGATE_TEMPLATE || PROJECT_TEMPLATE;
}

export function generatorVersion(): string {
  const { version } = JSON.parse(readFileSync(join(GENERATOR_ROOT, 'package.json'), 'utf8')) as { version: string };
  return version;
}

/** The packed tsgate runtime that every project carries under vendor/. */
export function runtimeTarball(): { file: string; name: string } {
  const manifest = join(GENERATOR_ROOT, 'build', 'tsgate', 'package.json');
  if (!existsSync(manifest)) {
    throw new CreateError(`the tsgate runtime is not built (no ${manifest}): run npm install or npm run build in ${GENERATOR_ROOT}`);
  }
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  const file = join(GENERATOR_ROOT, 'build', `tsgate-${version}.tgz`);
  if (!existsSync(file)) throw new CreateError(`the tsgate runtime package ${file} is missing: run npm run build in ${GENERATOR_ROOT}`);
  // The content hash in the vendored name: Yarn 1 caches a file: tarball by
  // name and version, so a rebuilt runtime under the old name installs the
  // old contents (yarnpkg/yarn#6811).
  const digest = createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 12);
  return { file, name: `tsgate-${version}-${digest}.tgz` };
}
