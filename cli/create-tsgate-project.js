#!/usr/bin/env node
// The generator's command: everything but the exit code lives in src/create.
import { run } from '../dist/create/index.js';

process.exitCode = await run(process.argv.slice(2));
