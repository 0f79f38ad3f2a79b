import { CreateError } from './errors.js';
import { create } from './main.js';
import { parseOptions } from './options.js';

export { CreateError } from './errors.js';
export { create } from './main.js';
export { validateProjectName } from './name.js';
export { parseOptions, type CreateOptions } from './options.js';

/** Runs the generator for a command line; resolves to the exit code (0 ok, 1 failure, 2 bad usage). */
export async function run(argv: string[]): Promise<number> {
  try {
    const options = await parseOptions(argv);
    return options ? await create(options) : 0;
  } catch (error) {
    if (!(error instanceof CreateError)) throw error;
    process.stderr.write(`create-tsgate-project: ${error.message}\n`);
    if (error.exitCode === 2) process.stderr.write(`Run 'create-tsgate-project --help' for usage.\n`);
    return error.exitCode;
  }
}
