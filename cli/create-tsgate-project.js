#!/usr/bin/env node
// The generator's command: everything but the exit code lives in src/create.
import { run } from '../dist/create/index.js';

// A reader that stops early (`| head`) is not an error of ours.
process.stdout.on('error', (error) => {
  if (/** @type {NodeJS.ErrnoException} */ (error).code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await run(process.argv.slice(2));
