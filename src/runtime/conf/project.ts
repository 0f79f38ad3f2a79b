import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImproperlyConfigured } from './errors.js';

/**
 * The project folder: the nearest folder above `from` that holds a
 * package.json. The same in development (`mysite/settings.ts`) and in
 * production (`dist/mysite/settings.js`), so BASE_DIR can anchor static and
 * template folders, which are not compiled into dist/.
 */
export function projectDir(from: string | URL): string {
  let dir = dirname(typeof from === 'string' && !from.startsWith('file:') ? from : fileURLToPath(from));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new ImproperlyConfigured([`no package.json above ${String(from)}: run tsgate from inside a project`]);
    dir = parent;
  }
}
