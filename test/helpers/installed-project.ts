/**
 * One generated and installed project shared by the end-to-end test files.
 *
 * Generating with the install is what takes minutes: npm fetches the
 * dependencies and better-sqlite3's install script builds its native module
 * (prebuild-install cannot download a prebuilt binary here, so node-gyp
 * compiles SQLite: 1.5 to 3 minutes of one core per install). So, per
 * `vitest run`:
 *
 * - the first file that asks generates `site` once, with its install (the
 *   generator's own `npm install`, as a user runs it), in the run's shared
 *   folder (test/helpers/global-setup.ts makes it and removes it); a file
 *   lock makes the other files' workers wait for it instead of installing
 *   too;
 * - each file then works on its own copy (`installedProject()`), free to
 *   build, migrate, edit or reinstall it;
 * - every install under the shared folder, or in a folder given to
 *   `usePrebuiltSqlite()`, takes better-sqlite3's binary from a local
 *   prebuild (a `.prebuild-installrc` naming a `prebuilds/` folder, read by
 *   prebuild-install from the package's parent folders) instead of compiling
 *   it: the install script still runs, as a user's does where prebuilt
 *   binaries download. The prebuild is packed from the binary the repository's
 *   own `npm install` built; when the project resolves another version of
 *   better-sqlite3, the shared install compiles it once and packs that.
 *
 * Used outside `vitest run` with this repository's config (no shared folder
 * provided), the same happens in a private temporary folder.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { ensureBuilt } from '../management/built.js';
import { CLI, REPO, run, runSync } from './process.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's folder for the shared installed project (test/helpers/global-setup.ts). */
    tsgateSharedDir: string;
  }
}

/** The shared project's name: `site`, the generator's defaults otherwise (SQLite, the example app, npm). */
export const INSTALLED_NAME = 'site';

const RC_FILE = '.prebuild-installrc';
/** A generation with its install: minutes on a loaded machine. */
const GENERATE_TIMEOUT_MS = 840_000;

let privateShared: string | undefined;

/** The run's shared folder (or, outside the suite's config, a private one). */
function sharedDir(): string {
  let provided: string | undefined;
  try {
    provided = inject('tsgateSharedDir');
  } catch {
    provided = undefined;
  }
  if (provided) return provided;
  privateShared ??= mkdtempSync(join(tmpdir(), 'tsgate-shared-'));
  return privateShared;
}

/** prebuild-install's file name for a better-sqlite3 binary of `version` for this node. */
function prebuildName(version: string): string {
  const libc = process.platform === 'linux' && isMusl() ? 'musl' : '';
  return `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}${libc}-${process.arch}.tar.gz`;
}

function isMusl(): boolean {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return !report?.header?.glibcVersionRuntime;
}

/** Packs `<pkg>/build/Release/better_sqlite3.node` as prebuild-install unpacks it; false when there is no binary. */
function packPrebuild(pkg: string, prebuilds: string): boolean {
  const manifest = join(pkg, 'package.json');
  if (!existsSync(manifest) || !existsSync(join(pkg, 'build', 'Release', 'better_sqlite3.node'))) return false;
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  const target = join(prebuilds, prebuildName(version));
  if (existsSync(target)) return true;
  mkdirSync(prebuilds, { recursive: true });
  const packed = runSync('tar', ['-czf', `${target}.tmp`, '-C', pkg, 'build/Release/better_sqlite3.node']);
  if (packed.status !== 0) throw new Error(`packing the better-sqlite3 prebuild failed: ${packed.stderr}`);
  renameSync(`${target}.tmp`, target);
  return true;
}

/**
 * Makes every package install under `dir` (npm, pnpm, yarn, bun: each runs
 * better-sqlite3's install script in a folder below it) use the shared
 * prebuilt better-sqlite3 binary instead of compiling one. Waits for the
 * shared project, whose install provides the binary when the repository's
 * does not fit.
 */
export async function usePrebuiltSqlite(dir: string): Promise<void> {
  await sharedProject();
  writeRc(dir);
}

function writeRc(dir: string): void {
  writeFileSync(join(dir, RC_FILE), `local-prebuilds=${join(sharedDir(), 'prebuilds')}\n`);
}

let ready: Promise<string> | undefined;

/** The shared project's folder, generated and installed by the first caller of the run. */
function sharedProject(): Promise<string> {
  ready ??= makeOrWait();
  return ready;
}

async function makeOrWait(): Promise<string> {
  const shared = sharedDir();
  const project = join(shared, INSTALLED_NAME);
  const done = join(shared, 'installed.json');
  const failed = join(shared, 'install-failed.txt');
  try {
    mkdirSync(join(shared, 'install.lock'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Another test file's worker is making it: wait for its outcome.
    for (;;) {
      if (existsSync(done)) return project;
      if (existsSync(failed)) throw new Error(`the shared installed project could not be made:\n${readFileSync(failed, 'utf8')}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    ensureBuilt();
    const prebuilds = join(shared, 'prebuilds');
    packPrebuild(join(REPO, 'node_modules', 'better-sqlite3'), prebuilds);
    writeRc(shared);
    // Generated in a folder of its own, then moved into place whole.
    const work = mkdtempSync(join(shared, 'making-'));
    const created = await run(process.execPath, [CLI, INSTALLED_NAME, '--no-git'], { cwd: work, timeoutMs: GENERATE_TIMEOUT_MS });
    const output = created.stdout + created.stderr;
    if (created.status !== 0) throw new Error(`create-tsgate-project ${INSTALLED_NAME} --no-git failed (exit ${created.status}):\n${output}`);
    renameSync(join(work, INSTALLED_NAME), project);
    rmSync(work, { recursive: true, force: true });
    // A version the repository's binary did not match was compiled: keep it for the other installs.
    if (!packPrebuild(join(project, 'node_modules', 'better-sqlite3'), prebuilds)) throw new Error(`the installed project has no better-sqlite3 binary:\n${output}`);
    writeFileSync(done, JSON.stringify({ project }));
    return project;
  } catch (error) {
    writeFileSync(failed, error instanceof Error ? (error.stack ?? error.message) : String(error));
    throw error;
  }
}

/**
 * A private copy of the shared installed project (`site`, made by
 * `create-tsgate-project site --no-git` with its npm install), in a fresh
 * folder of the run's shared folder: the path of the project folder. Installs
 * in it (`npm ci`, `npm install`) take the prebuilt better-sqlite3 binary.
 * Call in a beforeAll with a long timeout (the first caller installs).
 */
export async function installedProject(): Promise<string> {
  const source = await sharedProject();
  const parent = mkdtempSync(join(sharedDir(), 'copy-'));
  const project = join(parent, INSTALLED_NAME);
  cpSync(source, project, { recursive: true, verbatimSymlinks: true });
  return project;
}
