/** `tsgate_build_info`: which tsgate and which project release is running, as labels of a constant 1. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Registry } from './registry.js';

function readPackage(file: string): { name?: string; version?: string } | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
  } catch {
    return undefined;
  }
}

/** The runtime's own package.json: above this file, in the source tree and once built. */
function tsgateVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = readPackage(file);
      if (pkg?.name === 'tsgate') return pkg.version ?? 'unknown';
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

export function registerBuildInfo(registry: Registry, projectDir = process.cwd()): void {
  const project = readPackage(join(projectDir, 'package.json'));
  registry
    .gauge({ name: 'tsgate_build_info', help: 'The tsgate and project versions running (always 1)', labelNames: ['version', 'project', 'project_version', 'nodejs'] })
    .set({ version: tsgateVersion(), project: project?.name ?? '', project_version: project?.version ?? '', nodejs: process.version }, 1);
}
