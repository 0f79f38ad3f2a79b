/**
 * What is tried again when a connection fails, and what is not, on the
 * real servers (db/server-pools.ts) and on SQLite (db/sqlite.ts):
 *
 * - opening a connection that the network cuts during its start-up is
 *   tried once more (nothing ran on it);
 * - the first statement on a pooled connection that broke while it sat
 *   idle runs on a new connection (it was refused before being sent);
 * - a statement the server was running when its connection was terminated
 *   is never sent again: the query fails, and the next one reconnects;
 * - SQLite waits for another connection's write lock with the event loop
 *   free, so the lock can be let go meanwhile (by a timer, here).
 */
import net from 'node:net';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createDialect } from '../../src/runtime/db/dialects.js';
import { Kysely, sql } from '../../src/runtime/db/kysely.js';
import { parseDatabaseUrl } from '../../src/runtime/db/url.js';
import { logger } from '../../src/runtime/logging/index.js';
import { tempDir } from '../helpers/process.js';
import { until } from '../helpers/until.js';
import { backend, dropDatabasesAfterAll, freshDatabase, unavailable, type TestDatabase } from './services.js';

dropDatabasesAfterAll();

const opened: Kysely<unknown>[] = [];
afterAll(async () => {
  await Promise.allSettled(opened.map((db) => db.destroy()));
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** A Kysely on `url` through tsgate's dialect. */
function open(url: string, options: { poolSize?: number; connectTimeout?: number } = {}): Kysely<unknown> {
  const dialect = createDialect(parseDatabaseUrl(url), {
    where: "DATABASES['default']",
    baseDir: '/',
    poolSize: options.poolSize ?? 1,
    connectTimeout: options.connectTimeout ?? 5,
    driverOptions: {},
  });
  const db = new Kysely<unknown>({ dialect });
  opened.push(db);
  return db;
}

/** A TCP proxy in front of a server that can cut the next connections as they arrive. */
class Proxy {
  accepted = 0;
  /** How many of the next connections are cut as soon as they are accepted. */
  cutNext = 0;
  private readonly server: net.Server;

  constructor(private readonly upstream: URL) {
    this.server = net.createServer((client) => {
      this.accepted++;
      if (this.cutNext > 0) {
        this.cutNext--;
        client.destroy();
        return;
      }
      const server = net.connect(Number(upstream.port), upstream.hostname);
      client.pipe(server).pipe(client);
      client.on('error', () => server.destroy());
      server.on('error', () => client.destroy());
    });
  }

  /** Listens on a free port; the database URL with the proxy as its host. */
  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const url = new URL(this.upstream.href);
    url.host = `127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
    return url.href;
  }

  close(): void {
    this.server.close();
  }
}

/** Resolves when the pool reports a lost connection (its 'error' listener logs it); rejects after 10 s. */
function nextLoss(): Promise<string> {
  const warning = vi.spyOn(logger, 'warning');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no lost connection was reported within 10 s')), 10_000);
    warning.mockImplementation((message) => {
      if (!message.includes('a database connection was lost')) return;
      clearTimeout(timer);
      resolve(message);
    });
  });
}

const SERVER = {
  postgres: {
    backendId: sql<{ id: number }>`select pg_backend_pid() as id`,
    sleep: sql`select pg_sleep(3)`,
    running: "select pid as id from pg_stat_activity where datname = current_database() and query = 'select pg_sleep(3)' and state = 'active'",
    terminate: (id: number) => `select pg_terminate_backend(${id})`,
    terminatedMidStatement: /terminating connection due to administrator command|Connection terminated/,
  },
  mysql: {
    backendId: sql<{ id: number }>`select connection_id() as id`,
    sleep: sql`select sleep(3)`,
    running: "select id from information_schema.processlist where db = database() and info = 'select sleep(3)'",
    terminate: (id: number) => `kill connection ${id}`,
    terminatedMidStatement: /Connection lost|connection was killed/i,
  },
} as const;

describe.each(['postgres', 'mysql'] as const)('%s: what is tried again', (name) => {
  const server = backend(name);
  if (unavailable(server)) return;
  const statements = SERVER[name];
  let database: TestDatabase;
  const fresh = async () => (database ??= await freshDatabase(server, tempDir('tsgate-faults-')));

  it('a connection cut during its start-up is opened once more, and the query runs; cut twice, the query fails', async () => {
    const proxy = new Proxy(new URL((await fresh()).url));
    const url = await proxy.listen();
    try {
      proxy.cutNext = 1;
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(open(url));
      expect(rows.map((row) => Number(row.one))).toEqual([1]);
      expect(proxy.accepted).toBe(2);

      proxy.cutNext = 2;
      await expect(sql`select 1`.execute(open(url))).rejects.toThrow(/Connection terminated unexpectedly|Connection lost|ECONNRESET/);
      expect(proxy.accepted).toBe(4);
    } finally {
      proxy.close();
    }
  });

  it('the first statement on a connection that broke while idle in the pool runs on a new connection', async () => {
    const db = open((await fresh()).url);
    const { rows } = await statements.backendId.execute(db);
    const first = Number(rows[0]?.id);
    // The pool's one connection, taken again: the server ends it before it runs anything this time.
    const result = await db.connection().execute(async (connection) => {
      const lost = nextLoss();
      await database.query(statements.terminate(first));
      await lost;
      return statements.backendId.execute(connection);
    });
    const second = Number(result.rows[0]?.id);
    expect(second).toBeGreaterThan(0);
    expect(second).not.toBe(first);
  });

  it('a statement that was running when its connection was terminated fails and is not sent again; the next query reconnects', async () => {
    const db = open((await fresh()).url);
    const sleeping = statements.sleep.execute(db);
    // Settled at once, so a rejection before the check below is not reported as unhandled.
    const outcome = sleeping.then(
      () => 'finished',
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    let running: number | undefined;
    await until('the statement to run on the server', async () => {
      running = Number((await database.query<{ id: unknown }>(statements.running))[0]?.id) || undefined;
      return running !== undefined;
    });
    await database.query(statements.terminate(running ?? 0));
    // Sent again, it would have finished (after 3 s): it fails instead.
    expect(await outcome).toMatch(statements.terminatedMidStatement);
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(db);
    expect(rows.map((row) => Number(row.one))).toEqual([1]);
  });
});

describe('sqlite: waiting for another connection’s write lock', () => {
  it('leaves the event loop free: a lock let go by a timer meanwhile lets the write through, in and out of a transaction', async () => {
    const file = `${tempDir('tsgate-busy-')}/busy.sqlite3`;
    const db = open(`sqlite:///${file}`, { connectTimeout: 5 });
    await sql`create table t (n integer)`.execute(db);
    const holder = new Database(file);
    const holdFor = (ms: number) => {
      holder.exec('begin immediate');
      setTimeout(() => holder.exec('commit'), ms);
    };
    try {
      // SQLite's own busy handler, waiting synchronously, would hold the timer back until it gave up.
      holdFor(300);
      await sql`insert into t values (1)`.execute(db);
      holdFor(300);
      await db.transaction().execute(async (trx) => {
        await sql`insert into t values (2)`.execute(trx);
      });
      const { rows } = await sql<{ n: number }>`select n from t order by n`.execute(db);
      expect(rows.map((row) => row.n)).toEqual([1, 2]);
    } finally {
      holder.close();
    }
  });

  it('gives up with SQLITE_BUSY after CONNECT_TIMEOUT when the lock stays', async () => {
    const file = `${tempDir('tsgate-busy-')}/busy.sqlite3`;
    const db = open(`sqlite:///${file}`, { connectTimeout: 1 });
    await sql`create table t (n integer)`.execute(db);
    const holder = new Database(file);
    try {
      holder.exec('begin immediate');
      await expect(sql`insert into t values (1)`.execute(db)).rejects.toMatchObject({ code: 'SQLITE_BUSY', message: 'database is locked' });
    } finally {
      holder.close();
    }
    await sql`insert into t values (1)`.execute(db);
  });
});
