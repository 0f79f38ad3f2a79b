/** `manage worker` on SQLite through db://: the tests are in worker.ts, one file per backend so that vitest runs the backends side by side. */
import { workerCase, workerTests } from './worker.js';

workerTests(await workerCase('sqlite'));
