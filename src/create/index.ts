import { CreateError } from './errors.js';
import { create } from './main.js';
import { parseOptions } from './options.js';
import { Output } from './output.js';

export { CreateError } from './errors.js';
export { create } from './main.js';
export { validateProjectName } from './name.js';
export { parseOptions, type CreateOptions, type UpgradeOptions } from './options.js';

/** Runs the generator for a command line; resolves to the exit code (0 ok, 1 failure, 2 bad usage, 130 cancelled). */
export async function run(argv: string[]): Promise<number> {
  // Known before parsing, so that even a usage error answers in JSON.
  let out = new Output({ json: argv.includes('--json'), quiet: argv.includes('--quiet') || argv.includes('-q'), verbose: false });
  try {
    const parsed = await parseOptions(argv);
    if (!parsed) return 0;
    out = new Output(parsed.options);
    if (parsed.command === 'create') return await create(parsed.options, out);
    // Loaded only for upgrade: creating a project does not need the merge library.
    const { upgrade } = await import('./upgrade.js');
    return await upgrade(parsed.options, out);
  } catch (error) {
    if (!(error instanceof CreateError)) throw error;
    if (error.exitCode !== 130) out.error(`create-tsgate-project: ${error.message}`);
    if (error.exitCode === 2) out.error(`Run 'create-tsgate-project --help' for usage.`);
    out.json({ ok: false, error: error.message, exitCode: error.exitCode });
    return error.exitCode;
  }
}
