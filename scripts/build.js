// Builds both products: the generator (dist/create) and the tsgate runtime
// package (build/tsgate), packed into build/tsgate-<version>.tgz, which every
// generated project carries under vendor/. Each output is compiled beside
// its final place and swapped in, so a running server or test never sees a
// half-built tree.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { build, buildSync } from 'esbuild';

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

/**
 * Replaces the runtime's compiled `dist/db/kysely.js` (`export * from
 * 'kysely'`) with Kysely bundled into that one module: node's per-module
 * cost for Kysely's 263 files is ~14 MB of RSS in every server worker (see
 * src/runtime/db/kysely.ts). The declarations still come from the kysely
 * package, so the runtime depends on exactly the version bundled here.
 * Returns that version.
 */
function bundleKysely(/** @type {string} */ distDir) {
  const manifest = join(root, 'node_modules', 'kysely', 'package.json');
  const { version, license } = JSON.parse(readFileSync(manifest, 'utf8'));
  buildSync({
    entryPoints: ['kysely'],
    absWorkingDir: root,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile: join(distDir, 'db', 'kysely.js'),
    allowOverwrite: true,
    banner: { js: `// Kysely ${version} (https://kysely.dev), bundled into one module by tsgate's build. ${license} licence: kysely.LICENSE beside this file.` },
    logLevel: 'warning',
  });
  copyFileSync(join(root, 'node_modules', 'kysely', 'LICENSE'), join(distDir, 'db', 'kysely.LICENSE'));
  return version;
}

/**
 * Replaces the runtime's compiled `dist/templates/handlebars.js` (which
 * imports `handlebars/dist/handlebars.js`) with that file bundled in, so
 * that escapeNonLatin1() below makes it one-byte text (see
 * src/runtime/templates/handlebars.ts). The declarations still come from the
 * handlebars package, a dependency of the runtime as before.
 */
function bundleHandlebars(/** @type {string} */ distDir) {
  const manifest = join(root, 'node_modules', 'handlebars', 'package.json');
  const { version, license } = JSON.parse(readFileSync(manifest, 'utf8'));
  const outfile = join(distDir, 'templates', 'handlebars.js');
  buildSync({
    entryPoints: [outfile],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile,
    allowOverwrite: true,
    banner: { js: `// handlebars ${version} (https://handlebarsjs.com), its dist/handlebars.js bundled into this module by tsgate's build. ${license} licence: handlebars.LICENSE beside this file.` },
    logLevel: 'warning',
  });
  copyFileSync(join(root, 'node_modules', 'handlebars', 'LICENSE'), join(distDir, 'templates', 'handlebars.LICENSE'));
}

/**
 * Escapes every character above U+00FF in the runtime's compiled modules
 * (`—` → `\u2014`), almost all of them in comments. V8 keeps each module's
 * source as a string for the life of the process, and one such character
 * makes it a two-byte string: twice the memory for the whole file. Kysely's
 * bundle (494 k characters) was two-byte for one `—` in a comment; so were
 * 83 of our own modules (~430 k characters). In comments, strings, regular
 * expressions and template literals `\uXXXX` means the same character (a
 * character beyond the BMP is escaped as its two UTF-16 halves, which those
 * read as one); the runtime has no `String.raw` text holding one.
 */
function escapeNonLatin1(/** @type {string} */ dir) {
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.js')) continue;
    const file = join(entry.parentPath, entry.name);
    const text = readFileSync(file, 'utf8');
    if (!/[^\u0000-\u00ff]/.test(text)) continue;
    writeFileSync(file, text.replace(/[^\u0000-\u00ff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`));
  }
}

/** True while process `pid` runs. */
function alive(/** @type {number} */ pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return /** @type {NodeJS.ErrnoException} */ (error).code === 'EPERM';
  }
}

/**
 * Waits for, then takes, the build lock: a folder holding the builder's pid.
 * Two builds at once (a test rebuilding while `npm test` builds) would
 * otherwise swap folders under each other. A lock left by a dead process is
 * taken over.
 */
function lock(/** @type {string} */ dir) {
  mkdirSync(dirname(dir), { recursive: true });
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'pid'), String(process.pid));
      process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
      return;
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'EEXIST') throw error;
      let owner = 0;
      try {
        owner = Number(readFileSync(join(dir, 'pid'), 'utf8'));
      } catch {
        // The owner has made the folder but not yet written its pid.
      }
      // A lock with no pid long after it was made belongs to a build that died before writing it.
      const orphaned = owner === 0 && Date.now() - (statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? 0) > 10_000;
      if ((owner > 0 && !alive(owner)) || orphaned) rmSync(dir, { recursive: true, force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
}

/**
 * Replaces the generator's compiled `precompiled.js` (an empty table; see
 * src/create/precompiled.ts) with every `.hbs` file of templates/project
 * precompiled by handlebars, keyed by the SHA-1 of its source, with the
 * options the generator compiles with (read from the module just compiled,
 * so the two cannot differ).
 */
async function precompileGeneratorTemplates(/** @type {string} */ distDir) {
  const Handlebars = createRequire(import.meta.url)('handlebars');
  const { TEMPLATE_COMPILE_OPTIONS } = await import(join(distDir, 'precompiled.js'));
  const dir = join(root, 'templates', 'project');
  const entries = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.hbs'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
  /** @type {Map<string, string>} */
  const specs = new Map();
  for (const file of entries) {
    const source = readFileSync(file, 'utf8');
    specs.set(createHash('sha1').update(source).digest('hex'), Handlebars.precompile(source, { ...TEMPLATE_COMPILE_OPTIONS }));
  }
  // precompile() adds to the options object it is given: hence a copy each time.
  const table = [...specs].map(([sha1, spec]) => `  ${JSON.stringify(sha1)}: ${spec},`).join('\n');
  writeFileSync(
    join(distDir, 'precompiled.js'),
    `// templates/project's .hbs files precompiled by scripts/build.js (src/create/precompiled.ts says why).\n` +
      `export const TEMPLATE_COMPILE_OPTIONS = ${JSON.stringify(TEMPLATE_COMPILE_OPTIONS)};\n` +
      `export const PRECOMPILED = {\n${table}\n};\n`,
  );
}

/**
 * The generator's command loads one module: dist/create/index.js with its
 * dependencies (yargs, handlebars, fs-extra, @clack/prompts, node-diff3)
 * bundled into dist/create/cli.js. Node's ESM loader resolves, reads and
 * compiles each of their ~150 files one by one; bundled, a
 * `create-tsgate-project --yes --no-install --no-git` used 0.39 s of CPU
 * instead of 0.55 s (paired runs, 1.26×). Not minified: a stack trace from
 * a user's report stays readable (minifying bought another 5 %).
 */
async function bundleGenerator(/** @type {string} */ distDir) {
  await build({
    entryPoints: [join(distDir, 'index.js')],
    outfile: join(distDir, 'cli.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    // handlebars and yargs' CommonJS files call require() for node's own modules.
    banner: { js: "import { createRequire as __tsgateCreateRequire } from 'node:module';\nconst require = __tsgateCreateRequire(import.meta.url);" },
    plugins: [
      {
        // The handlebars compiler (and source-map) is imported only for a
        // template the build did not precompile (src/create/render.ts): left
        // out of the bundle, node loads it from node_modules then, and every
        // other run parses 20 % less code. Its runtime (handlebars/runtime.js) is bundled.
        name: 'handlebars-compiler-on-demand',
        setup(builder) {
          builder.onResolve({ filter: /^handlebars$/ }, ({ path }) => ({ path, external: true }));
        },
      },
    ],
  });
}

lock(join(root, 'build', '.lock'));
compile('tsconfig.create.json', join(root, 'dist', 'create'));
await precompileGeneratorTemplates(join(root, 'dist', 'create'));
await bundleGenerator(join(root, 'dist', 'create'));
const pkgDir = join(root, 'build', 'tsgate');
mkdirSync(pkgDir, { recursive: true });
compile('tsconfig.runtime.json', join(pkgDir, 'dist'));
const kyselyVersion = bundleKysely(join(pkgDir, 'dist'));
bundleHandlebars(join(pkgDir, 'dist'));
escapeNonLatin1(join(pkgDir, 'dist'));
// What tsc does not copy: tsgate.auth's templates and its common-password list (with that list's licence).
copyTree(join(root, 'src', 'runtime', 'auth', 'templates'), join(pkgDir, 'dist', 'auth', 'templates'));
for (const name of ['common-passwords.txt', 'common-passwords.LICENSE']) {
  copyFileSync(join(root, 'src', 'runtime', 'auth', 'passwords', name), join(pkgDir, 'dist', 'auth', 'passwords', name));
}
// `manage startapp` and `manage makemigrations` render templates that ship inside the runtime package.
mkdirSync(join(pkgDir, 'templates'), { recursive: true });
for (const name of ['app', 'migration']) copyTree(join(root, 'templates', name), join(pkgDir, 'templates', name));
const runtimeManifest = JSON.parse(readFileSync(join(root, 'src', 'runtime', 'package.json'), 'utf8'));
runtimeManifest.dependencies.kysely = kyselyVersion;
writeFileSync(join(pkgDir, 'package.json'), `${JSON.stringify(runtimeManifest, null, 2)}\n`);
copyFileSync(join(root, 'src', 'runtime', 'README.md'), join(pkgDir, 'README.md'));
// Packed beside, then renamed over the old tarball, so an install never reads a half-written one.
const packDir = join(root, 'build', '.pack');
rmSync(packDir, { recursive: true, force: true });
mkdirSync(packDir);
execFileSync('npm', ['pack', '--silent', '--pack-destination', packDir], { cwd: pkgDir, stdio: ['ignore', 'ignore', 'inherit'] });
const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
for (const file of readdirSync(packDir)) renameSync(join(packDir, file), join(root, 'build', file));
rmSync(packDir, { recursive: true, force: true });
console.log(`built dist/create and build/tsgate-${version}.tgz`);
