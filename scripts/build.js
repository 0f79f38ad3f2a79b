// Builds both products: the generator (dist/create) and the tsgate runtime
// package (build/tsgate), packed into build/tsgate-<version>.tgz, which every
// generated project carries under vendor/. Each output is compiled beside
// its final place and swapped in, so a running server or test never sees a
// half-built tree.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

/** Compiles `project` into a fresh folder, then replaces `outDir` with it. */
function compile(/** @type {string} */ project, /** @type {string} */ outDir) {
  const fresh = `${outDir}.new`;
  rmSync(fresh, { recursive: true, force: true });
  execFileSync(process.execPath, [tsc, '-p', project, '--outDir', fresh], { cwd: root, stdio: 'inherit' });
  rmSync(outDir, { recursive: true, force: true });
  renameSync(fresh, outDir);
}

/** Copies the folder `from` to a fresh folder, then replaces `to` with it. */
function copyTree(/** @type {string} */ from, /** @type {string} */ to) {
  const fresh = `${to}.new`;
  rmSync(fresh, { recursive: true, force: true });
  cpSync(from, fresh, { recursive: true });
  rmSync(to, { recursive: true, force: true });
  renameSync(fresh, to);
}

compile('tsconfig.create.json', join(root, 'dist', 'create'));
const pkgDir = join(root, 'build', 'tsgate');
mkdirSync(pkgDir, { recursive: true });
compile('tsconfig.runtime.json', join(pkgDir, 'dist'));
// `manage startapp` renders the app template that ships inside the runtime package.
mkdirSync(join(pkgDir, 'templates'), { recursive: true });
copyTree(join(root, 'templates', 'app'), join(pkgDir, 'templates', 'app'));
copyFileSync(join(root, 'src', 'runtime', 'package.json'), join(pkgDir, 'package.json'));
copyFileSync(join(root, 'src', 'runtime', 'README.md'), join(pkgDir, 'README.md'));
execFileSync('npm', ['pack', '--silent', '--pack-destination', join(root, 'build')], { cwd: pkgDir, stdio: ['ignore', 'ignore', 'inherit'] });

const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
console.log(`built dist/create and build/tsgate-${version}.tgz`);
