/**
 * The choices a project is made with: from the flags, else asked on a
 * terminal (with @clack/prompts), else the defaults. Nothing is asked with
 * --yes or --json, or when stdin or stdout is not a terminal (CI, pipes).
 */
import type * as Clack from '@clack/prompts';
import { basename, resolve } from 'node:path';
import { database, DATABASES, type DatabaseName } from './database.js';
import { CreateError } from './errors.js';
import { validateProjectName } from './name.js';
import type { AuthChoice, CreateOptions, ServiceName } from './options.js';
import { PACKAGE_MANAGERS, type PackageManagerName } from './package-manager.js';

export interface Choices {
  target: string;
  database: DatabaseName;
  /** Services beside the database (`--services redis`); not asked, only given. */
  services: ServiceName[];
  example: boolean;
  auth: AuthChoice;
  pm: PackageManagerName;
  git: boolean;
  install: boolean;
}

export const DEFAULT_NAME = 'mysite';

/** Whether we may ask: only on a terminal, and never with --yes or --json. */
export function canPrompt(options: Pick<CreateOptions, 'yes' | 'json'>): boolean {
  return !options.yes && !options.json && process.stdin.isTTY === true && process.stdout.isTTY === true;
}

/** Loaded only when there is something to ask, so the usual run does not pay for it. */
let clack: typeof Clack;

/** Ctrl-C or Escape at a prompt: stop before anything is written. */
function answered<T>(value: T): Exclude<T, symbol> {
  if (clack.isCancel(value)) {
    clack.cancel('Cancelled: nothing was written.');
    throw new CreateError('cancelled', 130);
  }
  return value as Exclude<T, symbol>;
}

/** The message a bad name gets, or undefined when the name (or the default it stands for) is good. */
function nameProblem(value: string | undefined): string | undefined {
  try {
    validateProjectName(basename(resolve(value?.trim() || DEFAULT_NAME)));
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

export async function settleChoices(options: CreateOptions, detectedPm: PackageManagerName): Promise<Choices> {
  const defaults: Choices = {
    target: options.target ?? DEFAULT_NAME,
    database: options.database ?? 'sqlite',
    services: options.services ?? [],
    example: options.example ?? true,
    auth: options.auth ?? 'login',
    pm: options.pm ?? detectedPm,
    git: options.git ?? true,
    install: options.install ?? true,
  };
  if (!canPrompt(options)) return defaults;
  const asked = [options.target, options.database, options.example, options.auth, options.pm, options.git, options.install];
  if (asked.every((value) => value !== undefined)) return defaults;

  clack = await import('@clack/prompts');
  clack.intro('create-tsgate-project');
  const target =
    options.target ??
    answered(await clack.text({ message: 'Project name (or path)', placeholder: DEFAULT_NAME, defaultValue: DEFAULT_NAME, validate: nameProblem })).trim();
  const chosenDatabase =
    options.database ??
    answered(
      await clack.select<DatabaseName>({
        message: 'Database',
        options: DATABASES.map((name) => ({ value: name, label: database(name).label })),
        initialValue: defaults.database,
      }),
    );
  const example = options.example ?? answered(await clack.confirm({ message: 'Include the example app (pages/)?', initialValue: true }));
  const auth =
    options.auth ??
    answered(
      await clack.select<AuthChoice>({
        message: 'Users and login (tsgate/auth)',
        options: [
          { value: 'login', label: 'login, password change and reset' },
          { value: 'signup', label: 'the same, and visitors may sign up' },
          { value: 'none', label: 'none' },
        ],
        initialValue: defaults.auth,
      }),
    );
  const pm =
    options.pm ??
    answered(
      await clack.select<PackageManagerName>({
        message: 'Package manager',
        options: PACKAGE_MANAGERS.map((name) => ({ value: name, label: name })),
        initialValue: defaults.pm,
      }),
    );
  const git = options.git ?? answered(await clack.confirm({ message: 'Initialise a git repository?', initialValue: true }));
  const install = options.install ?? answered(await clack.confirm({ message: 'Install dependencies now?', initialValue: true }));
  clack.outro(`Creating ${target || DEFAULT_NAME}`);
  return { target: target || DEFAULT_NAME, database: chosenDatabase, services: defaults.services, example, auth, pm, git, install };
}
