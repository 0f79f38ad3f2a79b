/**
 * Several processes opening the same new SQLite file at the same instant
 * (containers running migrate together): switching a new file to WAL takes
 * a lock that SQLite does not always wait for with its busy handler, so
 * without the runtime's retry a run of these rounds fails within a few
 * with SQLITE_BUSY ("database is locked").
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ensureBuilt } from '../management/built.js';
import { REPO, tempDir } from '../helpers/process.js';

const PROCESSES = 6;
const ROUNDS = 10;

/** Opens `file` through the built runtime's SQLite dialect once the clock reaches `start`, and runs `select 1`. */
function opener(file: string, start: number): Promise<string> {
  const dialects = pathToFileURL(join(REPO, 'build', 'tsgate', 'dist', 'db', 'dialects.js')).href;
  const kysely = pathToFileURL(join(REPO, 'build', 'tsgate', 'dist', 'db', 'kysely.js')).href;
  const script = `
    const { Kysely, sql } = await import(${JSON.stringify(kysely)});
    const { createDialect } = await import(${JSON.stringify(dialects)});
    const dialect = createDialect({ backend: 'sqlite', filename: ${JSON.stringify(file)} }, { where: 'test', baseDir: '/', poolSize: 1, connectTimeout: 10, driverOptions: {} });
    const db = new Kysely({ dialect });
    await import('better-sqlite3'); // loaded now, so every process reaches the file at the same moment
    while (Date.now() < ${start}) {}
    try { await sql\`select 1\`.execute(db); console.log('ok'); } catch (error) { console.log('failed:', error.code ?? '', error.message); }
    await db.destroy();
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (data: Buffer) => (output += data.toString()));
    child.on('error', reject);
    child.on('exit', () => resolve(output.trim()));
  });
}

describe('a new SQLite file opened by several processes at once', () => {
  it(`turns on WAL in every one of ${PROCESSES} processes, over ${ROUNDS} new files`, { timeout: 120_000 }, async () => {
    ensureBuilt();
    const dir = tempDir('tsgate-wal-');
    for (let round = 1; round <= ROUNDS; round++) {
      // Late enough for every process to have loaded node, kysely and better-sqlite3 first.
      const start = Date.now() + 1500;
      const results = await Promise.all(Array.from({ length: PROCESSES }, () => opener(join(dir, `new-${round}.sqlite3`), start)));
      expect(results, `round ${round}`).toEqual(Array.from({ length: PROCESSES }, () => 'ok'));
    }
  });
});
