/**
 * A project for the worker tests: `tsgate.tasks` and a `jobs` app whose
 * tasks.js defines tasks that record each run — in a `jobs_run` table of the
 * project's database, or (for the Redis backend) in a Redis hash — so a test
 * can count how often each task ran. `enqueue.mjs N` enqueues N tasks from
 * a script, as an application would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runtimeModule, TestProject } from '../db/project.js';
import { freshDatabase, type Backend, type TestDatabase } from '../db/services.js';

export const REDIS_URL = process.env.TSGATE_TEST_REDIS_URL || 'redis://127.0.0.1:6379/14';

export type TasksBackendName = 'sqlite' | 'postgres' | 'mysql' | 'redis';

const TASKS = (tasks: string, db: string, redis: string) => `import { task } from ${JSON.stringify(tasks)};
import { db, sql } from ${JSON.stringify(db)};
import { redisClient } from ${JSON.stringify(redis)};

const recordTo = process.env.RECORD_REDIS;
async function record(n, what = 'run') {
  if (recordTo) {
    const client = await redisClient(process.env.RECORD_REDIS_URL);
    await client.hIncrBy(recordTo + ':' + what, String(n), 1);
  } else {
    await sql\`insert into jobs_run (n, what, pid) values (\${n}, \${what}, \${process.pid})\`.execute(db);
  }
}

export const recordRun = task('jobs.record', async ({ n }) => {
  await record(n);
  return n * 2;
});

export const slow = task('jobs.slow', async ({ n, ms }) => {
  await record(n, 'started');
  await new Promise((resolve) => setTimeout(resolve, ms));
  await record(n, 'finished');
  return 'done';
});

export const flaky = task('jobs.flaky', async ({ n, failures }, context) => {
  await record(n, 'attempt');
  if (context.attempt <= failures) throw new Error('flaky failure ' + context.attempt);
  return context.attempt;
}, { retries: 3, retryDelay: 0.05 });

export const broken = task('jobs.broken', async () => {
  throw new TypeError('always broken');
}, { retries: 1, retryDelay: 0.05 });

// Only for the schedule test: records the second of the slot it ran for.
export const tick = process.env.TICK_SCHEDULE
  ? task('jobs.tick', async ({ scheduledAt }) => record(Date.parse(scheduledAt) / 1000, 'tick'), { schedule: process.env.TICK_SCHEDULE })
  : undefined;
`;

const MIGRATION = `export async function up(db) {
  await db.schema.createTable('jobs_run')
    .addColumn('n', 'integer', (c) => c.notNull())
    .addColumn('what', 'varchar(20)', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .execute();
}
`;

const ENQUEUE = (settings: string, db: string, redis: string) => `import { configure, setModuleRoot } from ${JSON.stringify(settings)};
import { closeConnections } from ${JSON.stringify(db)};
import { closeRedis } from ${JSON.stringify(redis)};
process.env.TSGATE_SETTINGS_MODULE ??= 'settings_tasks';
setModuleRoot(new URL('.', import.meta.url));
await configure();
const jobs = await import('./jobs/tasks.js');
const [name, count, extra] = process.argv.slice(2);
const n = Number(count);
const ids = [];
const options = extra ? JSON.parse(extra) : {};
if (options.runAfter !== undefined) options.runAfter = Number(options.runAfter);
const args = options.args ?? {};
delete options.args;
// In batches, as concurrent requests would.
for (let start = 0; start < n; start += 200) {
  const batch = [];
  for (let i = start; i < Math.min(n, start + 200); i++) batch.push(jobs[name].enqueue({ n: i, ...args }, options));
  for (const result of await Promise.all(batch)) ids.push(result.id);
}
process.stdout.write(JSON.stringify(ids) + '\\n');
await closeConnections();
await closeRedis();
`;

/** For the db backends: a task enqueued in a transaction that commits, and one in a transaction that rolls back. */
const TRANSACTION = (settings: string, db: string) => `import { configure, setModuleRoot } from ${JSON.stringify(settings)};
import { closeConnections, db } from ${JSON.stringify(db)};
process.env.TSGATE_SETTINGS_MODULE ??= 'settings_tasks';
setModuleRoot(new URL('.', import.meta.url));
await configure();
const jobs = await import('./jobs/tasks.js');
let kept;
await db.transaction().execute(async (trx) => {
  kept = await jobs.recordRun.enqueue({ n: 1 }, { transaction: trx });
});
let dropped;
await db.transaction().execute(async (trx) => {
  dropped = await jobs.recordRun.enqueue({ n: 2 }, { transaction: trx });
  throw new Error('roll back');
}).catch(() => undefined);
process.stdout.write(JSON.stringify([kept.id, dropped.id]) + '\\n');
await closeConnections();
`;

export interface TasksProject {
  project: TestProject;
  /** The database (the queue's for db://, jobs_run's always). */
  database: TestDatabase;
  tasksUrl: string;
  /** For the Redis backend: the hash prefix runs are recorded under. */
  recordKey: string;
}

/** A project with its database migrated and TASKS_URL set for `backend`. */
export async function tasksProject(backend: TasksBackendName, databaseBackend: Backend, visibility = 3): Promise<TasksProject> {
  const project = new TestProject({ apps: ['tsgate.tasks', 'jobs'], files: { 'jobs/migrations/0001_initial.js': MIGRATION } });
  const database = await freshDatabase(databaseBackend, project.dir, { prefix: 'tsgate_tasks_' });
  const recordKey = `tsgate_tasks_test:${randomBytes(6).toString('hex')}`;
  const tasksUrl = backend === 'redis' ? `${REDIS_URL}?prefix=${recordKey}:q&visibility=${visibility}&poll=0.05` : `db://default?visibility=${visibility}&poll=0.05`;
  project.env.DATABASE_URL = database.url;
  project.env.TSGATE_SETTINGS_MODULE = 'settings_tasks';
  project.env.TASKS_URL = tasksUrl;
  if (backend === 'redis') {
    project.env.RECORD_REDIS = recordKey;
    project.env.RECORD_REDIS_URL = REDIS_URL;
  }
  project.write('settings_tasks.mjs', "export * from './settings.mjs';\nexport const TASKS_URL = process.env.TASKS_URL;\n");
  project.write('jobs/tasks.js', TASKS(runtimeModule('tasks/index.js'), runtimeModule('db/index.js'), runtimeModule('redis/index.js')));
  project.write('transaction.mjs', TRANSACTION(runtimeModule('conf/index.js'), runtimeModule('db/index.js')));
  project.write('enqueue.mjs', ENQUEUE(runtimeModule('conf/index.js'), runtimeModule('db/index.js'), runtimeModule('redis/index.js')));
  const migrated = await project.manage(['migrate']);
  if (migrated.status !== 0) throw new Error(`migrate failed: ${migrated.output}`);
  return { project, database, tasksUrl, recordKey };
}

/** Runs enqueue.mjs: N tasks of the jobs module's export `name`; resolves with their ids. */
export async function enqueue(setup: TasksProject, name: string, count: number, options: Record<string, unknown> = {}): Promise<string[]> {
  const child = spawn(process.execPath, [join(setup.project.dir, 'enqueue.mjs'), name, String(count), JSON.stringify(options)], {
    cwd: setup.project.dir,
    env: { ...process.env, ...setup.project.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr.on('data', (data: Buffer) => (output += data.toString()));
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (status !== 0) throw new Error(`enqueue.mjs exited ${status}:\n${output}`);
  return JSON.parse(output.trim().split('\n').at(-1) ?? '[]') as string[];
}

/** A running `manage worker`, its output collected. */
export class WorkerProcess {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<number | null>;
  /** Its output streams are closed: nothing more will come. */
  private closed = false;

  constructor(setup: TasksProject, args: readonly string[] = [], env: Readonly<Record<string, string>> = {}) {
    this.child = setup.project.spawn(['worker', ...args], env);
    this.child.stdout?.on('data', (data: Buffer) => (this.output += data.toString()));
    this.child.stderr?.on('data', (data: Buffer) => (this.output += data.toString()));
    this.exited = new Promise((resolve) =>
      this.child.on('close', (code, signal) => {
        this.closed = true;
        resolve(code ?? (signal ? -1 : null));
      }),
    );
  }

  /** Resolves once the output matches `pattern`, checked as each chunk arrives; rejects when the worker exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (error?: Error) => {
        clearTimeout(timer);
        this.child.stdout?.off('data', check);
        this.child.stderr?.off('data', check);
        this.child.off('close', closed);
        if (error) reject(error);
        else resolve();
      };
      // Registered after the constructor's listeners: the chunk is in `output` when this runs.
      const check = () => {
        if (pattern.test(this.output)) done();
      };
      const closed = (code: number | null) => done(new Error(`worker: waiting for ${pattern}: exited ${code}\n${this.output}`));
      const timer = setTimeout(() => done(new Error(`worker: waiting for ${pattern}: timed out\n${this.output}`)), timeoutMs);
      this.child.stdout?.on('data', check);
      this.child.stderr?.on('data', check);
      this.child.on('close', closed);
      check();
      if (this.closed && !pattern.test(this.output)) closed(this.child.exitCode);
    });
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}
