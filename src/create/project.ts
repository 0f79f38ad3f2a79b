/**
 * A project's files for a set of choices, in memory: the template folder
 * rendered with handlebars, and package.json built in code. `create` writes
 * them; `upgrade` merges them into a project.
 */
import { databaseContext } from './database.js';
import { packageJsonFile } from './package-json.js';
import { packageManagerContext } from './package-manager.js';
import type { Choices } from './prompt.js';
import { byPath, renderFiles, type RenderedFile, type Skip, type TemplateContext } from './render.js';

export type ProjectChoices = Omit<Choices, 'target' | 'git' | 'install' | 'auth' | 'services'> & { auth?: Choices['auth']; services?: Choices['services'] };

/** The example app's files, left out with --no-example (settings and urls leave it out through `example`). */
export function isExampleFile(path: string): boolean {
  return path.startsWith('pages/') || path === 'test/welcome.test.ts';
}

/** The files that exist only with tsgate/auth (the example app's account page and the project's login test). */
export function isAuthFile(path: string): boolean {
  return path === 'pages/templates/pages/account.html' || path === 'test/accounts.test.ts';
}

/** What every template sees. The secret is only for `.env`, which is git-ignored and not in the lock. */
export function templateContext(name: string, choices: ProjectChoices, runtime: string, secretKey: string): TemplateContext {
  return {
    name,
    runtimeTarball: runtime,
    secretKey,
    example: choices.example,
    // A lock from before tsgate/auth records no choice: such a project has none.
    auth: (choices.auth ?? 'none') !== 'none',
    signup: choices.auth === 'signup',
    services: { redis: choices.services?.includes('redis') ?? false },
    ...packageManagerContext(choices.pm),
    ...databaseContext(choices.database, name),
  };
}

/**
 * Every file of the project but the vendored runtime and the lock, sorted by
 * path; `skip` leaves more out (upgrade: the files it never touches).
 */
export async function renderProject(templateDir: string, name: string, choices: ProjectChoices, runtime: string, secretKey: string, skip: Skip = () => false): Promise<RenderedFile[]> {
  const withAuth = (choices.auth ?? 'none') !== 'none';
  const leaveOut: Skip = (path) => skip(path) || (!choices.example && isExampleFile(path)) || (!withAuth && isAuthFile(path));
  const files = await renderFiles(templateDir, templateContext(name, choices, runtime, secretKey), leaveOut);
  if (!leaveOut('package.json')) files.push(packageJsonFile({ name, database: choices.database, redis: choices.services?.includes('redis') ?? false, pm: choices.pm, runtimeTarball: runtime }));
  return files.sort(byPath);
}
