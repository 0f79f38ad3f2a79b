/**
 * `manage worker` on one queued backend — SQLite, PostgreSQL or MariaDB
 * through db://, or Redis — as a deployment runs it: separate processes,
 * real servers. Thousands of tasks run by 3 workers, one of them SIGKILLed
 * mid-run, each task finished exactly once (a table of runs proves how
 * often each ran); TERM during a run lets it finish; retries with back-off,
 * a task that fails for good, `manage tasks --failed` and `retry ID`;
 * runAfter respected.
 *
 * One test file per backend (worker-<backend>.test.ts) calls workerTests():
 * vitest runs files side by side. In a file the test of thousands of tasks
 * runs first, alone; the others then run at once, each on its own project
 * and database, most of their time waiting on worker processes, a slow
 * task or a schedule's slots.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, describe, it } from 'vitest';
import { closeRedis, redisClient, whenReady } from '../../src/runtime/redis/index.js';
import { useProjects } from '../db/project.js';
import { backend, dropDatabasesAfterAll, num, SERVICES_REQUIRED, unavailable, type Backend } from '../db/services.js';
import { run } from '../helpers/process.js';
import { until } from '../helpers/until.js';
import { enqueue, REDIS_URL, tasksProject, WorkerProcess, type TasksBackendName, type TasksProject } from './project.js';

/** The figure: 10 000 tasks; TSGATE_TASKS_TEST_COUNT lowers it on a slow machine. */
const COUNT = Number(process.env.TSGATE_TASKS_TEST_COUNT || 10_000);
const CONCURRENCY = 20;
/** Seconds a claimed task stays its worker's without a renewal, in the test of thousands (the others keep tasksProject's 3). */
const VISIBILITY = 10;

/** Why Redis cannot be used here, or undefined when it can. */
async function redisProblem(): Promise<string | undefined> {
  try {
    const client = await redisClient(REDIS_URL);
    await whenReady(client, REDIS_URL, 5000);
    return undefined;
  } catch {
    return `Redis at ${REDIS_URL} is not reachable${spawnSync('redis-server', ['--version']).status === 0 ? '' : ' (no redis-server on this machine)'}`;
  }
}

export interface WorkerCase {
  name: TasksBackendName;
  /** The database the project (and, for db://, the queue) uses. */
  database: Backend;
  available: boolean;
  problem: string | undefined;
}

/** The backend `name` as the tests use it: Redis keeps the project's database on SQLite. */
export async function workerCase(name: TasksBackendName): Promise<WorkerCase> {
  if (name !== 'redis') return { name, database: backend(name), available: backend(name).available, problem: backend(name).problem };
  const problem = await redisProblem();
  return { name, database: backend('sqlite'), available: problem === undefined, problem };
}

/** How often each task number ran (`what`: run, started, finished, attempt). */
async function runs(setup: TasksProject, kind: TasksBackendName, what = 'run'): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  if (kind === 'redis') {
    const client = await redisClient(REDIS_URL);
    for (const [n, count] of Object.entries(await client.hGetAll(`${setup.recordKey}:${what}`))) counts.set(Number(n), Number(count));
  } else {
    for (const row of await setup.database.query<{ n: unknown; c: unknown }>(`select n, count(*) as c from jobs_run where what = '${what}' group by n`)) counts.set(num(row.n), num(row.c));
  }
  return counts;
}

/** How many task numbers ran at least once (`runs(…).size`, counted where the runs are, for the probes that poll it). */
async function distinctRuns(setup: TasksProject, kind: TasksBackendName): Promise<number> {
  if (kind === 'redis') return (await redisClient(REDIS_URL)).hLen(`${setup.recordKey}:run`);
  const [row] = await setup.database.query<{ c: unknown }>("select count(distinct n) as c from jobs_run where what = 'run'");
  return num(row?.c);
}

async function statusOf(setup: TasksProject, id: string): Promise<string> {
  const shown = await setup.project.manage(['tasks', 'show', id]);
  if (shown.status !== 0) throw new Error(`manage tasks show ${id}: ${shown.output}`);
  return shown.stdout.split('\n')[0]?.split(/\s+/)[2] ?? '';
}

/** Counts of tasks by status, from the queue itself. */
async function statuses(setup: TasksProject, kind: TasksBackendName): Promise<Record<string, number>> {
  if (kind !== 'redis') {
    const rows = await setup.database.query<{ status: string; c: unknown }>('select status, count(*) as c from tsgate_tasks group by status');
    return Object.fromEntries(rows.map((row) => [row.status, num(row.c)]));
  }
  const client = await redisClient(REDIS_URL);
  const prefix = `${setup.recordKey}:q`;
  return {
    READY: (await client.zCard(`${prefix}:q:default`)) + (await client.zCard(`${prefix}:delayed`)),
    RUNNING: await client.zCard(`${prefix}:running`),
    FAILED: await client.zCard(`${prefix}:failed`),
  };
}

/** The tests of one backend; call once, at the top level of its test file. */
export function workerTests(testCase: WorkerCase): void {
  useProjects();
  dropDatabasesAfterAll();
  afterAll(closeRedis);
  describe(`manage worker on ${testCase.name}`, () => backendTests(testCase));
}

function backendTests(testCase: WorkerCase): void {
  if (!testCase.available) {
    if (testCase.name === 'redis') {
      if (SERVICES_REQUIRED) it('needs Redis (TSGATE_REQUIRE_SERVICES=1)', ({ expect }) => expect.fail(testCase.problem));
      else it.skip(`needs Redis: ${testCase.problem}`, () => undefined);
      return;
    }
    unavailable(testCase.database);
    return;
  }

  it(`runs ${COUNT} tasks with 3 workers, one SIGKILLed mid-run, each finished exactly once`, async ({ expect }) => {
    // A lease a loaded machine does not outrun: with 3 s, four backends' workers side by side at a load average of 30
    // stalled long enough that live workers' tasks were taken over and ran twice.
    const setup = await tasksProject(testCase.name, testCase.database, VISIBILITY);
    const ids = await enqueue(setup, 'recordRun', COUNT);
    expect(new Set(ids).size).toBe(COUNT);
    const workers = [0, 1, 2].map(() => new WorkerProcess(setup, ['--concurrency', String(CONCURRENCY)]));
    try {
      await Promise.all(workers.map((worker) => worker.waitFor(/ready/)));
      // Kill one while it is busy: a fifth of the work done.
      await until('a fifth of the tasks run', async () => (await distinctRuns(setup, testCase.name)) >= COUNT / 5, 120_000);
      workers[0]?.kill('SIGKILL');
      expect(await workers[0]?.exited).toBe(-1);
      // Its claimed tasks come back after the visibility timeout and the others finish them.
      await until('every task run', async () => (await distinctRuns(setup, testCase.name)) === COUNT, 300_000);
      await until('nothing left running or ready', async () => {
        const counts = await statuses(setup, testCase.name);
        return (counts.RUNNING ?? 0) === 0 && (counts.READY ?? 0) === 0;
      }, 120_000);
    } finally {
      for (const worker of workers) worker.kill('SIGTERM');
    }
    for (const worker of workers.slice(1)) expect(await worker.exited, worker.output).toBe(0);
    const counts = await runs(setup, testCase.name);
    expect(counts.size).toBe(COUNT);
    // Exactly once, except the tasks the killed worker had started and not recorded as finished:
    // those ran again (at least once is the guarantee for a worker killed outright), at most its concurrency.
    const twice = [...counts.values()].filter((count) => count > 1);
    expect(twice.length).toBeLessThanOrEqual(CONCURRENCY);
    expect(Math.max(...counts.values())).toBeLessThanOrEqual(2);
    const final = await statuses(setup, testCase.name);
    expect(final.FAILED ?? 0).toBe(0);
    if (testCase.name !== 'redis') expect(final.SUCCESSFUL).toBe(COUNT);
    // The result handle: a finished task's return value.
    const shown = await setup.project.manage(['tasks', 'show', ids[7] as string]);
    expect(shown.stdout).toMatch(/jobs\.record {2}SUCCESSFUL/);
    expect(shown.stdout).toMatch(/result 14/);
  }, 600_000);

  // The others at once, after it: each mostly waits (a slow task, a schedule's slots, a worker's start), and beside
  // the test above they would share its CPU with its three workers.
  describe.concurrent('a few tasks each', () => smallerTests(testCase));
}

function smallerTests(testCase: WorkerCase): void {
  it('finishes the running task on TERM and exits 0; gives back what it holds after --graceful-timeout', async ({ expect }) => {
    const setup = await tasksProject(testCase.name, testCase.database);
    const [id] = await enqueue(setup, 'slow', 1, { args: { ms: 1500 } });
    const worker = new WorkerProcess(setup);
    await worker.waitFor(/ready/);
    await until('the slow task started', async () => (await runs(setup, testCase.name, 'started')).size === 1, 120_000);
    worker.kill('SIGTERM');
    expect(await worker.exited, worker.output).toBe(0);
    expect((await runs(setup, testCase.name, 'finished')).get(0)).toBe(1);
    expect(await statusOf(setup, id as string)).toBe('SUCCESSFUL');

    // A task longer than the graceful timeout goes back to the queue, unfinished, its attempt not counted.
    const [long] = await enqueue(setup, 'slow', 1, { args: { ms: 60_000 } });
    const impatient = new WorkerProcess(setup, ['--graceful-timeout', '0.5']);
    await impatient.waitFor(/ready/);
    await until('the long task started', async () => (await runs(setup, testCase.name, 'started')).size === 1 && (await statusOf(setup, long as string)) === 'RUNNING', 120_000);
    impatient.kill('SIGTERM');
    expect(await impatient.exited, impatient.output).toBe(0);
    expect(impatient.output).toMatch(/1 task\(s\) still running after 0\.5 s; giving them back/);
    expect(await statusOf(setup, long as string)).toBe('READY');
    const shown = await setup.project.manage(['tasks', 'show', long as string]);
    expect(shown.stdout).toMatch(/attempts 0 of 1/);
  });

  it('retries with back-off, keeps a task that fails for good, and runs it again on tasks retry', async ({ expect }) => {
    const setup = await tasksProject(testCase.name, testCase.database);
    const [flaky] = await enqueue(setup, 'flaky', 1, { args: { failures: 2 } });
    const [broken] = await enqueue(setup, 'broken', 1);
    const later = await enqueue(setup, 'recordRun', 1, { runAfter: 3600 });
    const worker = new WorkerProcess(setup, ['--burst']);
    expect(await worker.exited, worker.output).toBe(0);
    expect(worker.output).toMatch(/failed \(attempt 1 of 4\), retrying in [\d.]+ s: Error: flaky failure 1/);
    expect(worker.output).toMatch(/jobs\.broken .* failed for good after 2 attempt\(s\): TypeError: always broken/);
    const shownFlaky = await setup.project.manage(['tasks', 'show', flaky as string]);
    expect(shownFlaky.stdout).toMatch(/SUCCESSFUL/);
    expect(shownFlaky.stdout).toMatch(/attempts 3 of 4/);
    expect(shownFlaky.stdout).toMatch(/result 3/);
    expect((await runs(setup, testCase.name, 'attempt')).get(0)).toBe(3);
    // Not due for an hour: --burst did not wait for it, and it did not run.
    expect(await statusOf(setup, later[0] as string)).toBe('READY');
    expect((await runs(setup, testCase.name)).size).toBe(0);

    const failed = await setup.project.manage(['tasks', '--failed']);
    expect(failed.status, failed.output).toBe(0);
    expect(failed.stdout).toContain(`${broken}  jobs.broken  FAILED`);
    expect(failed.stdout).toMatch(/error TypeError: always broken/);
    const retried = await setup.project.manage(['tasks', 'retry', broken as string]);
    expect(retried.status, retried.output).toBe(0);
    expect(await statusOf(setup, broken as string)).toBe('READY');
    const again = await setup.project.manage(['tasks', 'retry', broken as string]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/no failed task .* \(see manage tasks --failed\)/);
  });

  it.skipIf(testCase.name === 'redis')('enqueues in a database transaction only if it commits', async ({ expect }) => {
    const setup = await tasksProject(testCase.name, testCase.database);
    const ran = await run(process.execPath, ['transaction.mjs'], { cwd: setup.project.dir, env: setup.project.env, timeoutMs: 60_000 });
    expect(ran.status, ran.stdout + ran.stderr).toBe(0);
    const [kept, dropped] = JSON.parse(ran.stdout.trim()) as [string, string];
    expect(await statusOf(setup, kept)).toBe('READY');
    const gone = await setup.project.manage(['tasks', 'show', dropped]);
    expect(gone.status).toBe(1);
    expect(gone.stderr).toMatch(/no task/);
  });

  it('fires a schedule once per slot across 2 workers', async ({ expect }) => {
    const setup = await tasksProject(testCase.name, testCase.database);
    const env = { TICK_SCHEDULE: '*/2 * * * * *' };
    const workers = [0, 1].map(() => new WorkerProcess(setup, [], env));
    try {
      await Promise.all(workers.map((worker) => worker.waitFor(/tasks: .*jobs\.tick/)));
      await until('four slots run', async () => (await runs(setup, testCase.name, 'tick')).size >= 4, 60_000);
    } finally {
      for (const worker of workers) worker.kill('SIGTERM');
    }
    for (const worker of workers) expect(await worker.exited, worker.output).toBe(0);
    const ticks = await runs(setup, testCase.name, 'tick');
    // Each slot ran once, though both workers enqueued it; the slots are the schedule's (even seconds).
    expect([...ticks.values()].every((count) => count === 1), JSON.stringify([...ticks])).toBe(true);
    for (const second of ticks.keys()) expect(second % 2).toBe(0);
  });

  it('enqueues from the command line, refusing unknown tasks and bad JSON', async ({ expect }) => {
    const setup = await tasksProject(testCase.name, testCase.database);
    const queued = await setup.project.manage(['tasks', 'enqueue', 'jobs.record', '{"n": 41}']);
    expect(queued.status, queued.output).toBe(0);
    const id = queued.stdout.trim();
    expect(await statusOf(setup, id)).toBe('READY');
    const worker = new WorkerProcess(setup, ['--burst', '--queue', 'default']);
    expect(await worker.exited, worker.output).toBe(0);
    expect(worker.output).toMatch(/stopped after 1 task\(s\)/);
    expect(await statusOf(setup, id)).toBe('SUCCESSFUL');
    const unknown = await setup.project.manage(['tasks', 'enqueue', 'jobs.nope', '{}']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/no task named 'jobs\.nope' \(known: jobs\.broken, jobs\.flaky, jobs\.record, jobs\.slow\)/);
    const bad = await setup.project.manage(['tasks', 'enqueue', 'jobs.record', '{n: 1}']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/are not JSON/);
  });
}
