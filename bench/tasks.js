// @ts-check
/**
 * Issue 19, background tasks: no-op tasks enqueued and run, 2 worker
 * processes, on tsgate's Redis, PostgreSQL and SQLite backends (MariaDB
 * informational), and the same workload on Celery with Redis (Debian's
 * python3-celery: broker and result backend on Redis, prefork pool of 2) in
 * the same run.
 *
 * Each system: its 2 workers start and say they are ready (idle), then one
 * producer process enqueues TASKS no-op tasks (tsgate: 500 enqueue() calls
 * in flight at once; Celery: .delay() in a loop, as its clients do), and
 * the bench polls until every task has finished with its result stored
 * (tsgate: nothing READY or RUNNING / every row SUCCESSFUL; Celery: one
 * result key per task in its result database). Figures:
 *
 * - enqueue/s: TASKS ÷ the producer's own time for its enqueue calls;
 * - run/s (end to end): TASKS ÷ (last completion seen − first enqueue), so
 *   the two overlap as they do in production.
 *
 * Goals (the issue's): tsgate on Redis ahead of Celery on Redis (end to
 * end), and the database backend (PostgreSQL) within 2× of tsgate's Redis.
 * A missing service or celery is recorded as skipped, with the reason.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createClient } from '@redis/client';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { TSGATE_DIST, sleep } from './lib/harness.js';
import { writeManageProject } from './lib/manage-project.js';
import { loadAverageNow, machine, machineLine, markdownTable, round, textTable } from './lib/report.js';

export const name = 'tasks';
export const description = 'no-op background tasks: enqueue/s and run/s with 2 worker processes on tsgate redis / PostgreSQL / SQLite (MariaDB informational) vs Celery on Redis, same run';

const TASKS = Number(process.env.TSGATE_BENCH_TASKS || 10_000);
const CONCURRENCY = 50;
const REDIS = process.env.TSGATE_BENCH_REDIS_URL || 'redis://127.0.0.1:6379';
/** Logical databases of our own, flushed before each system. */
const DB_TSGATE = 11;
const DB_CELERY_BROKER = 12;
const DB_CELERY_RESULTS = 13;
const POSTGRES_ADMIN_URL = process.env.TSGATE_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';
const MYSQL_ADMIN_URL = process.env.TSGATE_TEST_MYSQL_URL || 'mysql://root@127.0.0.1:3306/test';
const TIMEOUT_MS = 10 * 60 * 1000;
/** Debian's python3, where apt-get install python3-celery puts celery (a pyenv or venv python on PATH would not see it). */
const PYTHON = process.env.TSGATE_BENCH_PYTHON || (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

/**
 * @typedef {object} Measured
 * @property {'measured'} status
 * @property {string} system
 * @property {number} tasks
 * @property {number} enqueueSeconds
 * @property {number} enqueuePerSec
 * @property {number} endToEndSeconds
 * @property {number} runPerSec
 * @property {string} [version]
 *
 * @typedef {{ status: 'skipped' | 'error', system: string, reason: string }} Unmeasured
 * @typedef {Measured | Unmeasured} SystemResult
 */

/** @param {string} url @param {number} db */
const redisUrl = (url, db) => `${url.replace(/\/\d*$/, '')}/${db}`;

/** @param {number} db */
async function redis(db) {
  const client = createClient({ url: redisUrl(REDIS, db) });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/**
 * Spawns a process and resolves once its output matches `ready` (or a file appears).
 * @param {string} command @param {string[]} args @param {{ cwd: string, env?: NodeJS.ProcessEnv, ready: RegExp | string }} options
 */
async function startProcess(command, args, { cwd, env, ready }) {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (data) => (output += data));
  child.stderr.on('data', (data) => (output += data));
  const deadline = Date.now() + 60_000;
  while (typeof ready === 'string' ? !existsSync(ready) : !ready.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${command} ${args.join(' ')} did not get ready:\n${output}`);
    await sleep(20);
  }
  return {
    output: () => output,
    /** TERM to the whole group, then waits (KILL after 20 s). */
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        process.kill(-(child.pid ?? 0), 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-(child.pid ?? 0), 'SIGKILL');
        } catch {
          // gone
        }
      }, 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Runs the producer; it prints `{"start": epochMs, "seconds": enqueueSeconds}` last.
 * @param {string} command @param {string[]} args @param {string} cwd @param {NodeJS.ProcessEnv} env
 */
function produce(command, args, cwd, env) {
  const done = spawnSync(command, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout: TIMEOUT_MS });
  if (done.status !== 0) throw new Error(`producer ${command} ${args.join(' ')} exited ${done.status}:\n${done.stdout}${done.stderr}`);
  return /** @type {{ start: number, seconds: number }} */ (JSON.parse(done.stdout.trim().split('\n').at(-1) ?? '{}'));
}

/** @param {string} what @param {() => Promise<boolean>} probe */
async function until(what, probe) {
  const deadline = Date.now() + TIMEOUT_MS;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
  return Date.now();
}

/**
 * @param {string} system @param {number} start @param {number} seconds @param {number} finished
 * @returns {Measured}
 */
function measured(system, start, seconds, finished) {
  const endToEnd = (finished - start) / 1000;
  return { status: 'measured', system, tasks: TASKS, enqueueSeconds: round(seconds, 3), enqueuePerSec: round(TASKS / seconds, 0), endToEndSeconds: round(endToEnd, 3), runPerSec: round(TASKS / endToEnd, 0) };
}

/** @param {string} runtime */
const NOOP_TASKS = (runtime) => `import { task } from ${JSON.stringify(runtime)};
export const noop = task('bench.noop', async () => undefined);
`;

/** @param {string} conf @param {string} tasks @param {string} db @param {string} redisModule */
const PRODUCER = (conf, tasks, db, redisModule) => `import { configure, setModuleRoot } from ${JSON.stringify(conf)};
import { closeConnections } from ${JSON.stringify(db)};
import { closeRedis } from ${JSON.stringify(redisModule)};
process.env.TSGATE_SETTINGS_MODULE ??= 'settings';
setModuleRoot(new URL('.', import.meta.url));
await configure();
const { noop } = await import('./bench/tasks.mjs');
// The connection made before the clock starts, as an application's is.
await (await import(${JSON.stringify(tasks)})).getResult('00000000-0000-0000-0000-000000000000');
const n = Number(process.argv[2]);
const start = Date.now();
const t0 = performance.now();
for (let i = 0; i < n; i += 500) {
  const batch = [];
  for (let j = i; j < Math.min(n, i + 500); j++) batch.push(noop.enqueue({ i: j }));
  await Promise.all(batch);
}
const seconds = (performance.now() - t0) / 1000;
await closeConnections();
await closeRedis();
process.stdout.write(JSON.stringify({ start, seconds }) + '\\n');
`;

/**
 * tsgate with TASKS_URL `tasksUrl` and DATABASE_URL `databaseUrl`.
 * @param {string} system @param {string} tasksUrl @param {string} databaseUrl @param {() => Promise<number>} remaining  tasks not finished yet
 */
async function runTsgate(system, tasksUrl, databaseUrl, remaining) {
  const dir = mkdtempSync(join(tmpdir(), 'tsgate-bench-tasks-'));
  try {
    /** @param {string} path */
    const module = (path) => pathToFileURL(join(TSGATE_DIST, path)).href;
    writeManageProject(
      dir,
      `export const BASE_DIR = ${JSON.stringify(dir)};
export const DEBUG = false;
export const INSTALLED_APPS = ['tsgate.tasks', 'bench'];
export const ROOT_URLCONF = 'urls';
export const WSGI_APPLICATION = 'wsgi:application';
export const DATABASES = { default: { URL: ${JSON.stringify(databaseUrl)} } };
export const TASKS_URL = ${JSON.stringify(tasksUrl)};
`,
    );
    spawnSync('mkdir', ['-p', join(dir, 'bench')]);
    writeFileSync(join(dir, 'bench', 'tasks.mjs'), NOOP_TASKS(module('tasks/index.js')));
    writeFileSync(join(dir, 'produce.mjs'), PRODUCER(module('conf/index.js'), module('tasks/index.js'), module('db/index.js'), module('redis/index.js')));
    const migrated = spawnSync(process.execPath, ['manage.mjs', 'migrate'], { cwd: dir, encoding: 'utf8' });
    if (migrated.status !== 0) throw new Error(`migrate failed:\n${migrated.stdout}${migrated.stderr}`);
    const workers = await Promise.all([0, 1].map(() => startProcess(process.execPath, ['manage.mjs', 'worker', '--concurrency', String(CONCURRENCY)], { cwd: dir, ready: /ready/ })));
    try {
      const { start, seconds } = produce(process.execPath, ['produce.mjs', String(TASKS)], dir, {});
      const finished = await until(`${system}: every task finished`, async () => (await remaining()) === 0);
      return measured(system, start, seconds, finished);
    } finally {
      await Promise.all(workers.map((worker) => worker.stop()));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const CELERY_APP = `import os, pathlib
from celery import Celery
from celery.signals import worker_ready
app = Celery('benchapp', broker=os.environ['BROKER'], backend=os.environ['RESULTS'])
app.conf.update(worker_hijack_root_logger=False, broker_connection_retry_on_startup=True)

@app.task(name='bench.noop')
def noop(i):
    return None

@worker_ready.connect
def ready(**_):
    pathlib.Path(os.environ['READY_FILE']).touch()
`;

const CELERY_PRODUCER = `import json, sys, time
from benchapp import noop
noop.app.connection().ensure_connection()
n = int(sys.argv[1])
start = time.time()
t0 = time.perf_counter()
for i in range(n):
    noop.delay(i)
print(json.dumps({'start': start * 1000, 'seconds': time.perf_counter() - t0}))
`;

/** @returns {Promise<SystemResult>} */
async function runCelery() {
  const system = 'Celery 2 processes, Redis';
  const probe = spawnSync(PYTHON, ['-c', 'import celery, redis; print(celery.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) return { status: 'skipped', system, reason: 'python3-celery / python3-redis not installed (apt-get install python3-celery python3-redis)' };
  const dir = mkdtempSync(join(tmpdir(), 'tsgate-bench-celery-'));
  const results = await redis(DB_CELERY_RESULTS);
  try {
    writeFileSync(join(dir, 'benchapp.py'), CELERY_APP);
    writeFileSync(join(dir, 'produce.py'), CELERY_PRODUCER);
    const env = { BROKER: redisUrl(REDIS, DB_CELERY_BROKER), RESULTS: redisUrl(REDIS, DB_CELERY_RESULTS), READY_FILE: join(dir, 'ready'), PYTHONPATH: dir };
    const broker = await redis(DB_CELERY_BROKER);
    await broker.flushDb();
    await broker.close();
    await results.flushDb();
    const worker = await startProcess(PYTHON, ['-m', 'celery', '-A', 'benchapp', 'worker', '--pool', 'prefork', '--concurrency', '2', '--loglevel', 'WARNING', '--without-gossip', '--without-mingle', '--without-heartbeat'], {
      cwd: dir,
      env,
      ready: join(dir, 'ready'),
    });
    try {
      const { start, seconds } = produce(PYTHON, ['produce.py', String(TASKS)], dir, env);
      const finished = await until('celery: every result stored', async () => (await results.dbSize()) >= TASKS);
      return { ...measured(system, start, seconds, finished), version: probe.stdout.trim() };
    } finally {
      await worker.stop();
    }
  } finally {
    await results.flushDb().catch(() => undefined);
    await results.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** @returns {Promise<SystemResult>} */
async function runRedis() {
  const system = 'tsgate 2 workers, Redis';
  const client = await redis(DB_TSGATE);
  const prefix = `tsgate_tasks_bench_${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'tsgate-bench-sqlite-'));
  try {
    await client.flushDb();
    return await runTsgate(system, `${redisUrl(REDIS, DB_TSGATE)}?prefix=${prefix}`, `sqlite:///${join(dir, 'unused.sqlite3')}`, async () => {
      const [ready, delayed, running] = await Promise.all([client.zCard(`${prefix}:q:default`), client.zCard(`${prefix}:delayed`), client.zCard(`${prefix}:running`)]);
      const enqueued = await client.exists(`${prefix}:queues`);
      return enqueued ? ready + delayed + running : 1;
    });
  } finally {
    await client.flushDb().catch(() => undefined);
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** @param {number} count */
const unfinished = (count) => TASKS - count;

/** @returns {Promise<SystemResult>} */
async function runSqlite() {
  const dir = mkdtempSync(join(tmpdir(), 'tsgate-bench-sqlite-'));
  const file = join(dir, 'tasks.sqlite3');
  const { default: Database } = await import('better-sqlite3');
  try {
    return await runTsgate('tsgate 2 workers, SQLite', 'db://default', `sqlite:///${file}`, async () => {
      const db = new Database(file, { readonly: true });
      try {
        const row = /** @type {{ n: number }} */ (db.prepare("select count(*) as n from tsgate_tasks where status = 'SUCCESSFUL'").get());
        return unfinished(row.n);
      } finally {
        db.close();
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** @returns {Promise<SystemResult>} */
async function runPostgres() {
  const system = 'tsgate 2 workers, PostgreSQL';
  const name = `tsgate_tasks_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  try {
    await admin.connect();
  } catch (error) {
    return { status: 'skipped', system, reason: `PostgreSQL not reachable: ${/** @type {Error} */ (error).message}` };
  }
  await admin.query(`create database ${name}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.href });
  try {
    await client.connect();
    return await runTsgate(system, 'db://default', url.href, async () => {
      const exists = await client.query("select to_regclass('tsgate_tasks') as t");
      if (!exists.rows[0]?.t) return 1;
      return unfinished(Number((await client.query("select count(*) as n from tsgate_tasks where status = 'SUCCESSFUL'")).rows[0]?.n));
    });
  } finally {
    await client.end().catch(() => undefined);
    await admin.query(`drop database if exists ${name} with (force)`).catch(() => undefined);
    await admin.end();
  }
}

/** @returns {Promise<SystemResult>} */
async function runMysql() {
  const system = 'tsgate 2 workers, MariaDB';
  const name = `tsgate_tasks_bench_${randomBytes(4).toString('hex')}`;
  let admin;
  try {
    admin = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
  } catch (error) {
    return { status: 'skipped', system, reason: `MariaDB not reachable: ${/** @type {Error} */ (error).message}` };
  }
  await admin.query(`create database ${name}`);
  const url = new URL(MYSQL_ADMIN_URL);
  url.pathname = `/${name}`;
  const client = await mysql.createConnection({ uri: url.href });
  try {
    return await runTsgate(system, 'db://default', url.href, async () => {
      try {
        const [rows] = await client.query("select count(*) as n from tsgate_tasks where status = 'SUCCESSFUL'");
        return unfinished(Number(/** @type {any[]} */ (rows)[0]?.n));
      } catch {
        return 1;
      }
    });
  } finally {
    await client.end().catch(() => undefined);
    await admin.query(`drop database if exists ${name}`).catch(() => undefined);
    await admin.end();
  }
}

/** @param {string} system @param {() => Promise<SystemResult>} run @returns {Promise<SystemResult>} */
async function attempt(system, run) {
  try {
    const result = await run();
    console.log(result.status === 'measured' ? `  ${result.system}: enqueue ${result.enqueuePerSec}/s, run ${result.runPerSec}/s (end to end)` : `  ${result.system}: ${result.status} — ${result.reason}`);
    return result;
  } catch (error) {
    console.log(`  ${system}: error — ${error instanceof Error ? error.message : error}`);
    return { status: 'error', system, reason: error instanceof Error ? error.message : String(error) };
  }
}

export async function run() {
  const loadAverage = loadAverageNow();
  const systems = [
    await attempt('tsgate 2 workers, Redis', runRedis),
    await attempt('Celery 2 processes, Redis', runCelery),
    await attempt('tsgate 2 workers, PostgreSQL', runPostgres),
    await attempt('tsgate 2 workers, SQLite', runSqlite),
    await attempt('tsgate 2 workers, MariaDB', runMysql),
  ];
  /** @param {string} prefix */
  const find = (prefix) => /** @type {Measured | undefined} */ (systems.find((system) => system.status === 'measured' && system.system.startsWith(prefix)));
  const tsgateRedis = find('tsgate 2 workers, Redis');
  const celery = find('Celery');
  const postgres = find('tsgate 2 workers, PostgreSQL');
  const ratios = {
    redisOverCelery: tsgateRedis && celery ? round(tsgateRedis.runPerSec / celery.runPerSec, 2) : null,
    redisOverCeleryEnqueue: tsgateRedis && celery ? round(tsgateRedis.enqueuePerSec / celery.enqueuePerSec, 2) : null,
    redisOverPostgres: tsgateRedis && postgres ? round(tsgateRedis.runPerSec / postgres.runPerSec, 2) : null,
  };
  const goals = {
    aheadOfCelery: ratios.redisOverCelery === null ? null : ratios.redisOverCelery > 1,
    databaseWithin2x: ratios.redisOverPostgres === null ? null : ratios.redisOverPostgres <= 2,
  };
  return {
    name,
    description,
    ...machine(),
    loadAverage,
    loadAverageEnd: loadAverageNow(),
    params: { tasks: TASKS, workers: 2, concurrencyPerTsgateWorker: CONCURRENCY, celery: 'prefork pool, --concurrency 2, broker and results on Redis' },
    systems,
    ratios,
    goals,
    pass: systems.every((system) => system.status !== 'error') && goals.aheadOfCelery !== false && goals.databaseWithin2x !== false,
  };
}

/** @param {Awaited<ReturnType<typeof run>>} result */
function rows(result) {
  return result.systems.map((system) =>
    system.status === 'measured' ? [system.system, String(system.enqueuePerSec), String(system.runPerSec), String(system.endToEndSeconds)] : [system.system, system.status, system.reason.slice(0, 60), ''],
  );
}

const HEAD = ['system', 'enqueue/s', 'run/s (end to end)', 'seconds'];

/** @param {Awaited<ReturnType<typeof run>>} result */
export function summary(result) {
  return `${textTable(HEAD, rows(result))}
tsgate Redis ÷ Celery Redis (run/s): ${result.ratios.redisOverCelery ?? 'n/a'} (goal > 1); enqueue/s: ${result.ratios.redisOverCeleryEnqueue ?? 'n/a'}
tsgate Redis ÷ PostgreSQL (run/s): ${result.ratios.redisOverPostgres ?? 'n/a'} (goal ≤ 2)`;
}

/** @param {Awaited<ReturnType<typeof run>>} result */
export function markdown(result) {
  return `# tasks: no-op background tasks, 2 worker processes

${result.date}, ${machineLine(result)}, load average ${result.loadAverage.join(' ')} → ${result.loadAverageEnd.join(' ')}.
${result.params.tasks} tasks per system; tsgate workers \`manage worker --concurrency ${result.params.concurrencyPerTsgateWorker}\` ×2; Celery ${result.params.celery}.
enqueue/s: the producer's own time for its enqueue calls; run/s: tasks ÷ (last completion − first enqueue), results stored.

${markdownTable(HEAD, rows(result))}

| same-run ratio | value | goal |
| --- | --- | --- |
| tsgate Redis ÷ Celery Redis, run/s | ${result.ratios.redisOverCelery ?? 'n/a'} | > 1 |
| tsgate Redis ÷ Celery Redis, enqueue/s | ${result.ratios.redisOverCeleryEnqueue ?? 'n/a'} | (informational) |
| tsgate Redis ÷ tsgate PostgreSQL, run/s | ${result.ratios.redisOverPostgres ?? 'n/a'} | ≤ 2 |
`;
}
