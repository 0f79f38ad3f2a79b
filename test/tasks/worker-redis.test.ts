/** `manage worker` on Redis (the project's database on SQLite): the tests are in worker.ts, one file per backend so that vitest runs the backends side by side. */
import { workerCase, workerTests } from './worker.js';

workerTests(await workerCase('redis'));
