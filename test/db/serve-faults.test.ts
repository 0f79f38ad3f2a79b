/**
 * Database faults under load, through a real `manage serve -w 2` of a
 * project on each backend, as ops teams test a server before trusting it:
 *
 * - PostgreSQL and MariaDB/MySQL: the app's connections are terminated
 *   four times while 8 clients keep a view busy (pg_terminate_backend, KILL
 *   CONNECTION — what a failover, a pooler restart or an idle reaper does).
 *   The requests that were using them get a 500; no worker exits; the
 *   pool refills and `/` and `/readyz` recover by themselves.
 * - SQLite: another process holds the write lock for longer than the
 *   server's --timeout. Waiting requests get a 500 after CONNECT_TIMEOUT;
 *   no worker is killed for a blocked event loop; all recovers once the
 *   lock is let go.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { until } from '../helpers/until.js';
import { clientLoops, request, type ServerProcess } from '../server/helpers.js';
import { newProject, runtimeModule, serveProject, servingFiles, useProjects } from './project.js';
import { backend, dropDatabasesAfterAll, unavailable, type TestDatabase } from './services.js';

useProjects();
dropDatabasesAfterAll();

const CLIENTS = 8;
const ROUNDS = 4;

/** One table, and a view that writes a row and then holds its connection a moment in the same transaction. */
function projectFiles(): Record<string, string> {
  return {
    'shop/migrations/0001_initial.mjs': `export async function up(db) {
  await db.schema.createTable('shop_hit').addColumn('worker', 'integer').execute();
}
export async function down(db) {
  await db.schema.dropTable('shop_hit').execute();
}
`,
    'urls.mjs': `import { path, text } from ${JSON.stringify(runtimeModule('http/index.js'))};
import { db, sql } from ${JSON.stringify(runtimeModule('db/index.js'))};
// The statement that keeps a connection busy: so a termination finds connections in use.
const HOLD = process.env.HOLD_SQL;
async function home() {
  await db.transaction().execute(async (trx) => {
    await sql\`insert into shop_hit (worker) values (\${process.pid})\`.execute(trx);
    await sql.raw(HOLD).execute(trx);
  });
  return text('ok\\n', 200, [['X-Worker-Pid', String(process.pid)]]);
}
export const urlpatterns = [path('', home)];
`,
    ...servingFiles("export const DATABASES = { default: { URL: process.env.DATABASE_URL, POOL_SIZE: 4, CONNECT_TIMEOUT: 1 } };\n"),
  };
}

const count = (statuses: readonly number[], status: number) => statuses.filter((value) => value === status).length;

/** Terminates every connection the app has open on the database; returns how many. */
async function terminateAppConnections(database: TestDatabase): Promise<number> {
  if (database.backend === 'postgres') {
    const rows = await database.query<{ n: unknown }>(
      'select count(pg_terminate_backend(pid)) as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
    );
    return Number(rows[0]?.n);
  }
  const rows = await database.query<{ id: unknown }>('select id from information_schema.processlist where db = database() and id <> connection_id()');
  let killed = 0;
  for (const { id } of rows) {
    // A connection may have ended between the list and the kill.
    killed += await database.query(`kill connection ${Number(id)}`).then(
      () => 1,
      () => 0,
    );
  }
  return killed;
}

/** What every test checks once the fault is gone: no worker died or was replaced, and both answer `/` and `/readyz` again. */
async function expectRecovered(server: ServerProcess, port: number, loops: ReturnType<typeof clientLoops>, faultEndedAt: number): Promise<void> {
  const [first, second] = server.bootedPids();
  // Both workers serve `/` again, with no restart (a worker that exits ends the wait: the checks below say so).
  await until('both workers to answer / with a 200 after the fault', () => {
    const answered = new Set(loops.pids.filter((entry) => entry.sentAt > faultEndedAt).map((entry) => entry.pid));
    return (answered.has(first ?? -1) && answered.has(second ?? -1)) || server.count('exited with') > 0;
  }, 30_000);
  await loops.stop();
  const exits = server.stderr.split('\n').filter((line) => /WORKER TIMEOUT|exited with|Unhandled 'error' event/.test(line));
  expect(exits, server.stderr).toEqual([]);
  expect(server.bootedPids(), server.stderr).toHaveLength(2);
  // No client saw a refused or reset connection: only answers, 200 or 500.
  const seen = `statuses: ${JSON.stringify(Object.fromEntries([...new Set(loops.statuses)].map((status) => [status, count(loops.statuses, status)])))}, errors: ${loops.errors.join(', ')}`;
  expect(loops.errors, seen).toEqual([]);
  expect(new Set(loops.statuses), seen).toEqual(new Set([200, 500]));
  // Fresh connections go to the workers in turn: both answer ready, and serve `/`, four times in a row.
  let inARow = 0;
  await until('four answers in a row of 200 from /readyz and /', async () => {
    const [ready, home] = [await request({ port, path: '/readyz' }), await request({ port, path: '/' })];
    inARow = ready.status === 200 && ready.body === 'ready\n' && home.status === 200 ? inARow + 1 : 0;
    return inARow === 4;
  }, 30_000);
}

describe.each(['postgres', 'mysql'] as const)('serve on %s: connections terminated under load', (name) => {
  const server = backend(name);
  if (unavailable(server)) return;

  it(`${ROUNDS} terminations of every connection: 500s for the requests using them, no worker exits, / and /readyz recover`, { timeout: 180_000 }, async () => {
    const { project, database } = await newProject(server, { apps: ['shop'], files: projectFiles() });
    const migrated = await project.manage(['migrate']);
    expect(migrated.status, migrated.output).toBe(0);
    const hold = name === 'postgres' ? 'select pg_sleep(0.02)' : 'select sleep(0.02)';
    const { server: serving, port } = await serveProject(project, { HOLD_SQL: hold });

    const loops = clientLoops(CLIENTS, { port, path: '/' });
    const killed: number[] = [];
    let lastKill = 0;
    for (let round = 0; round < ROUNDS; round++) {
      // The pool is in use again (refilled after the last round) before each termination.
      const served = count(loops.statuses, 200);
      await until(`10 more 200s before termination ${round + 1}`, () => count(loops.statuses, 200) >= served + 10, 30_000);
      killed.push(await terminateAppConnections(database));
      lastKill = Date.now();
    }
    await expectRecovered(serving, port, loops, lastKill);

    expect(killed.every((n) => n > 0), `connections terminated per round: ${killed.join(', ')}`).toBe(true);
    // Connections in use were hit: their requests failed as 500s and were logged, each loss said once.
    expect(count(loops.statuses, 500)).toBeGreaterThan(0);
    expect(serving.stderr).toContain('"message":"Internal Server Error"');
    expect(serving.stderr).toContain("DATABASES['default']: a database connection was lost (");
  });
});

describe('serve on sqlite: a write lock held past the worker timeout', () => {
  it('requests get a 500 after CONNECT_TIMEOUT, no worker is killed for a blocked event loop, all recovers when the lock goes', { timeout: 180_000 }, async () => {
    const { project, database } = await newProject(backend('sqlite'), { apps: ['shop'], files: projectFiles() });
    const migrated = await project.manage(['migrate']);
    expect(migrated.status, migrated.output).toBe(0);
    // CONNECT_TIMEOUT is 1 s; the heartbeat timeout 2 s: a worker that waited for the lock in one go, request after request, was killed.
    const { server, port } = await serveProject(project, { HOLD_SQL: 'select 1' }, ['--timeout', '2']);

    const loops = clientLoops(CLIENTS, { port, path: '/' });
    await until('10 200s before the lock', () => count(loops.statuses, 200) >= 10, 30_000);
    const holder = new Database(database.name);
    let released = 0;
    try {
      holder.exec('begin immediate');
      // Held until enough requests have waited the whole CONNECT_TIMEOUT, or a worker was killed.
      await until('8 500s while the lock is held', () => count(loops.statuses, 500) >= 8 || server.count('exited with') > 0, 60_000);
    } finally {
      holder.exec('rollback');
      holder.close();
      released = Date.now();
    }
    await expectRecovered(server, port, loops, released);
    expect(server.stderr).toContain('SqliteError: database is locked');
  });
});
