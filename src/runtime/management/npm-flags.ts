/**
 * `npm run manage migrate --plan`, typed without `--`, gives `--plan` to
 * npm, not to manage: the command would run without it (migrate applies
 * instead of planning). npm does not pass the flag on, but it does leave a
 * trace: each option it took becomes an `npm_config_*` variable in the
 * script's environment. A flag there that names an option of the command
 * being run is one the user meant for manage; the command refuses to run
 * and shows the line to type.
 *
 * pnpm, Yarn and bun hand a script every argument after its name, so only
 * npm is looked at.
 */
import { shellQuote } from './args.js';
import type { OptionSpec } from './base.js';

/**
 * npm's one-letter shorthands for its boolean settings (npm 7 to 11). npm
 * reads an unknown `--plan` as `-p -l -a -n` when every letter is one of
 * its shorthands: --parseable --long --all --no-yes, and no npm_config_plan.
 */
const SHORTHANDS: Record<string, [setting: string, value: string]> = {
  a: ['all', 'true'],
  f: ['force', 'true'],
  g: ['global', 'true'],
  l: ['long', 'true'],
  n: ['yes', ''],
  p: ['parseable', 'true'],
  y: ['yes', 'true'],
  B: ['save_bundle', 'true'],
  D: ['save_dev', 'true'],
  E: ['save_exact', 'true'],
  O: ['save_optional', 'true'],
  P: ['save_prod', 'true'],
  S: ['save', 'true'],
};

function npmSetting(env: NodeJS.ProcessEnv, name: string): string | undefined {
  return env[`npm_config_${name.replaceAll('-', '_')}`];
}

/** An option npm kept: as the user typed it, and whether its value went astray. */
export interface Swallowed {
  flag: string;
  /** `--database other`: npm took the flag alone and passed `other` on to the script as an argument. */
  detached: boolean;
}

/** How `--name` reached npm, rebuilt from what npm set for it; undefined when npm shows no sign of it. */
function typedAs(env: NodeJS.ProcessEnv, name: string, spec: OptionSpec): Swallowed | undefined {
  if (name.startsWith('no-')) return npmSetting(env, name.slice(3)) === '' ? { flag: `--${name}`, detached: false } : undefined;
  const value = npmSetting(env, name);
  if (value !== undefined) {
    if (spec.type === 'boolean' || value === '') return { flag: `--${name}`, detached: false };
    return value === 'true' ? { flag: `--${name}`, detached: true } : { flag: `--${name}=${shellQuote(value)}`, detached: false };
  }
  const letters = [...name].map((letter) => SHORTHANDS[letter]);
  const expanded = spec.type === 'boolean' && letters.every((shorthand) => shorthand && npmSetting(env, shorthand[0]) === shorthand[1]);
  return expanded ? { flag: `--${name}`, detached: false } : undefined;
}

/** The manage entry in a package script: `tsx manage.ts`, `node dist/manage.js serve`. */
const MANAGE_ENTRY = /manage\.[cm]?[jt]s$/;

/**
 * The options of a command that npm kept for itself, as the user typed
 * them (`--plan`, `--settings=site.settings`); empty unless this process
 * runs under an npm script that runs manage (not, say, a test run that
 * `npm test` started and that starts manage itself).
 */
export function swallowedByNpm(options: Readonly<Record<string, OptionSpec>>, env: NodeJS.ProcessEnv = process.env): Swallowed[] {
  if (!env.npm_config_user_agent?.startsWith('npm/') || !env.npm_lifecycle_script?.split(/\s+/).some((word) => MANAGE_ENTRY.test(word))) return [];
  return Object.entries(options).flatMap(([name, spec]) => typedAs(env, name, spec) ?? []);
}

/**
 * What to type instead: the same script with `--` before what the user gave
 * it. `argv` is what manage received; the words the script itself passes
 * (`runserver` in `"dev": "tsx manage.ts runserver"`) are not the user's.
 * When npm split an option from its value, the order is lost: the line
 * ends in `…` for the user to complete rather than a guess.
 */
export function withDashes(argv: readonly string[], swallowed: readonly Swallowed[], env: NodeJS.ProcessEnv = process.env): string {
  const script = env.npm_lifecycle_script?.split(/\s+/) ?? [];
  const entry = script.findIndex((word) => MANAGE_ENTRY.test(word));
  const own = entry < 0 ? 0 : script.length - entry - 1;
  const words = argv.slice(own).map(shellQuote);
  const typed = swallowed.some((option) => option.detached) ? [...words.slice(0, 1), '…'] : [...words, ...swallowed.map((option) => option.flag)];
  return `npm run ${env.npm_lifecycle_event ?? 'manage'} -- ${typed.join(' ')}`;
}
