export type PackageManagerName = 'npm' | 'pnpm' | 'yarn' | 'bun';

export const PACKAGE_MANAGERS: readonly PackageManagerName[] = ['npm', 'pnpm', 'yarn', 'bun'];

export interface PackageManager {
  name: PackageManagerName;
  /** The install command as a user types it. */
  install: string;
  /** Prefix that runs a package script: `npm run`. */
  run: string;
  /** The install flag that uses the local cache only; undefined where there is none. */
  offline: string | undefined;
}

const MANAGERS: Record<PackageManagerName, PackageManager> = {
  npm: { name: 'npm', install: 'npm install', run: 'npm run', offline: '--offline' },
  pnpm: { name: 'pnpm', install: 'pnpm install', run: 'pnpm', offline: '--offline' },
  // Yarn 1's flag (Yarn 2+ has none: it reads its offline mirror by itself).
  yarn: { name: 'yarn', install: 'yarn', run: 'yarn', offline: '--offline' },
  // bun has no cache-only flag: it takes what its cache has first anyway.
  bun: { name: 'bun', install: 'bun install', run: 'bun run', offline: undefined },
};

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
