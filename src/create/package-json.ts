/**
 * The project's package.json, built as an object and written with
 * JSON.stringify: valid JSON for every choice, in npm's own layout (two
 * spaces, a final newline), so a later `npm install pkg` rewrites it without
 * reformatting and `upgrade` merges it line by line.
 */
import { database, type DatabaseName } from './database.js';
import { buildScriptPackages, packageManager, type PackageManagerName } from './package-manager.js';
import type { RenderedFile } from './render.js';

export interface PackageJsonChoices {
  name: string;
  database: DatabaseName;
  /** `--services redis`: node-redis, which tsgate loads for redis:// URLs. */
  redis?: boolean;
  pm: PackageManagerName;
  /** The vendored runtime's file name: `tsgate-0.1.0-<content hash>.tgz`. */
  runtimeTarball: string;
}

/** The scripts every project has; `manage` takes a command after `--` (`npm run manage -- migrate`). */
const SCRIPTS = {
  dev: 'tsx manage.ts runserver',
  build: 'tsc -p tsconfig.build.json',
  start: 'node dist/manage.js serve',
  manage: 'tsx manage.ts',
  test: 'tsx manage.ts test',
  typecheck: 'tsc --noEmit',
};

/** The schema library the project's forms use (README: "Forms and validation" says why valibot). */
const VALIBOT = '^1.5.0';

/** The Redis client tsgate's redis:// backends use (an optional peer of tsgate). */
const REDIS_CLIENT = '^6.4.0';

const DEV_DEPENDENCIES = {
  '@types/node': '^20.19.0',
  tsx: '^4.20.0',
  typescript: '~5.9.3',
};

/** The keys in name order, as npm writes dependency lists. */
function sorted(entries: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(entries).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export function projectPackageJson(choices: PackageJsonChoices): Record<string, unknown> {
  const { driver } = database(choices.database);
  const pm = packageManager(choices.pm);
  return {
    name: choices.name,
    version: '0.1.0',
    private: true,
    type: 'module',
    engines: { node: '>=20.19' },
    scripts: SCRIPTS,
    dependencies: sorted({ [driver.name]: driver.version, ...(choices.redis ? { '@redis/client': REDIS_CLIENT } : {}), tsgate: `file:vendor/${choices.runtimeTarball}`, valibot: VALIBOT }),
    devDependencies: DEV_DEPENDENCIES,
    ...pm.allowInstallScripts(buildScriptPackages(driver)),
    ...(pm.packageManagerField ? { packageManager: pm.packageManagerField } : {}),
  };
}

export function packageJsonFile(choices: PackageJsonChoices): RenderedFile {
  return { path: 'package.json', content: Buffer.from(`${JSON.stringify(projectPackageJson(choices), null, 2)}\n`) };
}
