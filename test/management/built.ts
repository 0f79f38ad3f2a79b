/**
 * The built products (dist/create and the packed tsgate runtime) that a
 * generated project is made from. Rebuilt only when a source is newer than
 * the packed runtime, so that a run of the whole suite, which builds first,
 * never rebuilds under another test that is generating a project.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, runSync } from '../helpers/process.js';

/** The newest modification time of a file under `path`. */
function newest(path: string): number {
  const stats = statSync(path, { throwIfNoEntry: false });
  if (!stats) return 0;
  if (!stats.isDirectory()) return stats.mtimeMs;
  let latest = stats.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

export function runtimeTarball(): string {
  const { version } = JSON.parse(readFileSync(join(REPO, 'src', 'runtime', 'package.json'), 'utf8')) as { version: string };
  return join(REPO, 'build', `tsgate-${version}.tgz`);
}

/** Runs `node scripts/build.js` unless the build is newer than every source it is made from. */
export function ensureBuilt(): void {
  const tarball = runtimeTarball();
  const sources = ['src', 'templates', 'cli', join('scripts', 'build.js'), 'package.json'].map((path) => newest(join(REPO, path)));
  if (existsSync(tarball) && statSync(tarball).mtimeMs >= Math.max(...sources)) return;
  const built = runSync(process.execPath, [join(REPO, 'scripts', 'build.js')], { cwd: REPO });
  if (built.status !== 0) throw new Error(`node scripts/build.js failed (exit ${built.status}):\n${built.stdout}${built.stderr}`);
}
