#!/usr/bin/env node
// The generator's command: everything but the exit code lives in src/create.
// dist/create/cli.js is src/create with its dependencies in one module (scripts/build.js says why).
import { run } from '../dist/create/cli.js';

// A reader that stops early (`| head`) is not an error of ours.
process.stdout.on('error', (error) => {
  if (/** @type {NodeJS.ErrnoException} */ (error).code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await run(process.argv.slice(2));
