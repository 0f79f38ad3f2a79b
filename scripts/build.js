// Builds both products: the generator (dist/create) and the tsgate runtime
// package (build/tsgate), packed into build/tsgate-<version>.tgz, which every
// generated project carries under vendor/.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const run = (/** @type {string} */ file, /** @type {string[]} */ args) =>
  execFileSync(file, args, { cwd: root, stdio: 'inherit' });

rmSync(join(root, 'dist'), { recursive: true, force: true });
rmSync(join(root, 'build'), { recursive: true, force: true });
run(process.execPath, [tsc, '-p', 'tsconfig.runtime.json']);
run(process.execPath, [tsc, '-p', 'tsconfig.create.json']);

const pkgDir = join(root, 'build', 'tsgate');
mkdirSync(pkgDir, { recursive: true });
copyFileSync(join(root, 'src', 'runtime', 'package.json'), join(pkgDir, 'package.json'));
copyFileSync(join(root, 'src', 'runtime', 'README.md'), join(pkgDir, 'README.md'));
execFileSync('npm', ['pack', '--silent', '--pack-destination', join(root, 'build')], { cwd: pkgDir, stdio: ['ignore', 'ignore', 'inherit'] });

const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
console.log(`built dist/create and build/tsgate-${version}.tgz`);
