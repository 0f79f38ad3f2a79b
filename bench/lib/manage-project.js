// @ts-check
/**
 * A project of three files, for benchmarks that time one manage command
 * without generating and installing a whole project: package.json, a
 * manage.mjs that runs the compiled runtime (build/tsgate/dist) and the
 * settings module the caller writes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TSGATE_DIST } from './harness.js';

/**
 * @param {string} dir  an existing empty folder
 * @param {string} settings  the source of settings.mjs
 */
export function writeManageProject(dir, settings) {
  const runtime = pathToFileURL(join(TSGATE_DIST, 'management', 'index.js')).href;
  writeFileSync(join(dir, 'package.json'), '{"type": "module", "private": true}\n');
  writeFileSync(
    join(dir, 'manage.mjs'),
    `import { executeFromCommandLine } from ${JSON.stringify(runtime)};
process.env.TSGATE_SETTINGS_MODULE ??= 'settings';
await executeFromCommandLine(process.argv.slice(2), { root: new URL('.', import.meta.url) });
`,
  );
  writeFileSync(join(dir, 'settings.mjs'), settings);
}
