export type PackageManagerName = 'npm' | 'pnpm' | 'yarn' | 'bun';

export const PACKAGE_MANAGERS: readonly PackageManagerName[] = ['npm', 'pnpm', 'yarn', 'bun'];

/** How the Dockerfile and the CI workflow install from the lock file alone. */
export interface CleanInstall {
  /** Makes the package manager available in node's image (corepack, or npm for bun); none for npm. */
  setup: string | undefined;
  lockfile: string;
  /** Installs exactly what the lock file says, failing if package.json disagrees with it. */
  install: string;
  /** Leaves only the production dependencies in node_modules. */
  prune: string;
}

export interface PackageManager {
  name: PackageManagerName;
  /** The install command as a user types it. */
  install: string;
  /** Prefix that runs a package script: `npm run`. */
  run: string;
  /** The install flag that uses the local cache only; undefined where there is none. */
  offline: string | undefined;
  ci: CleanInstall;
  /**
   * package.json's `packageManager`, where the generated files need one
   * version: Yarn 1, whose flags the Dockerfile and workflow use. Corepack
   * then runs it in the project (on a machine whose yarn is Yarn 4) and in
   * the image, and the lock file stays Yarn 1's.
   */
  packageManagerField?: string;
  /**
   * The package.json field that lets these dependencies run their install
   * scripts, in the form this package manager reads (none for Yarn 1, which
   * runs them all).
   */
  allowInstallScripts(packages: readonly string[]): Record<string, unknown>;
}

const MANAGERS: Record<PackageManagerName, PackageManager> = {
  npm: {
    name: 'npm',
    install: 'npm install',
    run: 'npm run',
    offline: '--offline',
    ci: { setup: undefined, lockfile: 'package-lock.json', install: 'npm ci', prune: 'npm prune --omit=dev' },
    allowInstallScripts: (packages) => ({ allowScripts: Object.fromEntries(packages.map((name) => [name, true])) }),
  },
  pnpm: {
    name: 'pnpm',
    install: 'pnpm install',
    run: 'pnpm',
    offline: '--offline',
    ci: { setup: 'corepack enable', lockfile: 'pnpm-lock.yaml', install: 'pnpm install --frozen-lockfile', prune: 'pnpm prune --prod' },
    allowInstallScripts: (packages) => ({ pnpm: { onlyBuiltDependencies: [...packages] } }),
  },
  // Yarn 1's flag (Yarn 2+ has none: it reads its offline mirror by itself).
  yarn: {
    name: 'yarn',
    install: 'yarn',
    run: 'yarn',
    offline: '--offline',
    // Yarn 1 has no prune: a production-only install in place of the full one.
    ci: { setup: 'corepack enable', lockfile: 'yarn.lock', install: 'yarn install --frozen-lockfile', prune: 'rm -rf node_modules && yarn install --frozen-lockfile --production' },
    packageManagerField: 'yarn@1.22.22',
    allowInstallScripts: () => ({}),
  },
  // bun has no cache-only flag: it takes what its cache has first anyway.
  bun: {
    name: 'bun',
    install: 'bun install',
    run: 'bun run',
    offline: undefined,
    ci: { setup: 'npm install --global bun@1', lockfile: 'bun.lock', install: 'bun install --frozen-lockfile', prune: 'rm -rf node_modules && bun install --frozen-lockfile --production' },
    allowInstallScripts: (packages) => ({ trustedDependencies: [...packages] }),
  },
};

/**
 * The dependencies whose install scripts the project needs run: the SQLite
 * driver compiles a native module, and tsx's esbuild checks its binary.
 * pnpm 10 and bun run no dependency's scripts unless the project's
 * package.json lists it (better-sqlite3 then fails at the first query), and
 * npm 11 warns about each one not listed; package.json lists them in the
 * field the chosen package manager reads (`allowInstallScripts`).
 */
export function buildScriptPackages(driver: { name: string; installScript?: true }): string[] {
  return driver.installScript ? [driver.name, 'esbuild'] : ['esbuild'];
}

/** What templates see: `pmIs.npm` … for `{{#if}}` (handlebars has no equality helper). */
export function packageManagerContext(name: PackageManagerName): { pm: PackageManager; pmIs: Record<PackageManagerName, boolean> } {
  return { pm: MANAGERS[name], pmIs: { npm: name === 'npm', pnpm: name === 'pnpm', yarn: name === 'yarn', bun: name === 'bun' } };
}

export function packageManager(name: PackageManagerName): PackageManager {
  return MANAGERS[name];
}

export function isPackageManagerName(name: string): name is PackageManagerName {
  return (PACKAGE_MANAGERS as readonly string[]).includes(name);
}

/** The package manager that launched us (`npm_config_user_agent` is `pnpm/9.1.0 npm/? node/v20…`), npm by default. */
export function detectPackageManager(userAgent = process.env.npm_config_user_agent): PackageManager {
  const name = userAgent?.split('/')[0];
  return name && isPackageManagerName(name) ? MANAGERS[name] : MANAGERS.npm;
}
