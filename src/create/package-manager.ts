export type PackageManagerName = 'npm' | 'pnpm' | 'yarn' | 'bun';

export interface PackageManager {
  name: PackageManagerName;
  /** The install command as a user types it. */
  install: string;
  /** Prefix that runs a package script: `npm run`. */
  run: string;
}

const MANAGERS: Record<PackageManagerName, PackageManager> = {
  npm: { name: 'npm', install: 'npm install', run: 'npm run' },
  pnpm: { name: 'pnpm', install: 'pnpm install', run: 'pnpm' },
  yarn: { name: 'yarn', install: 'yarn', run: 'yarn' },
  bun: { name: 'bun', install: 'bun install', run: 'bun run' },
};

/** The package manager that launched us (`npm_config_user_agent` is `pnpm/9.1.0 npm/? node/v20…`), npm by default. */
export function detectPackageManager(userAgent = process.env.npm_config_user_agent): PackageManager {
  const name = userAgent?.split('/')[0];
  return name && name in MANAGERS ? MANAGERS[name as PackageManagerName] : MANAGERS.npm;
}
