/**
 * Finds the project's tasks as Celery's autodiscovery does: each installed
 * app's `tasks` module (`pages/tasks.ts`, `dist/pages/tasks.js` once
 * built) is imported, and its `task()` calls register the tasks.
 */
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TSGATE_PREFIX } from '../apps/index.js';
import { findModuleFile } from '../conf/modules.js';
import type { Settings } from '../conf/types.js';

export class TaskDiscoveryError extends Error {
  override name = 'TaskDiscoveryError';
}

/** Imports every installed project app's tasks module; returns the files imported. */
export async function discoverTasks(settings: Readonly<Settings>): Promise<string[]> {
  const found: string[] = [];
  for (const app of settings.INSTALLED_APPS) {
    if (app.startsWith(TSGATE_PREFIX)) continue;
    const file = findModuleFile(`${app}.tasks`);
    if (!file) continue;
    try {
      await import(pathToFileURL(file).href);
    } catch (error) {
      throw new TaskDiscoveryError(`cannot import the tasks of '${app}' (${relative(process.cwd(), file)}): ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`, { cause: error });
    }
    found.push(file);
  }
  return found;
}
