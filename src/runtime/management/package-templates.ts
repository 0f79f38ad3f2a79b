/**
 * The templates that ship inside the tsgate package (`templates/app` for
 * startapp, `templates/migration` for makemigrations) and the one rule they
 * are rendered by: known `{{placeholder}}`s replaced, everything else kept,
 * so handlebars expressions in page templates survive.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CommandError } from './base.js';

/** A template folder that ships with this package (`app`, `migration`): beside dist/, or at the repository root when run from the sources. */
export function packageTemplateDir(name: string): string {
  const candidates = [`../../templates/${name}`, `../../../templates/${name}`].map((path) => fileURLToPath(new URL(path, import.meta.url)));
  const found = candidates.find((dir) => existsSync(dir));
  if (!found) throw new CommandError(`the tsgate package has no ${name} template (looked in ${candidates.join(' and ')}): reinstall tsgate`);
  return found;
}

/** Replaces the known `{{placeholder}}`s and leaves every other `{{…}}` alone. */
export function substitute(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => values[key] ?? whole);
}

