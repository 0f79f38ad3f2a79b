/**
 * tsgate/tasks in one process: TASKS_URL parsing and its settings check,
 * task definitions and their errors, arguments checked as JSON at enqueue,
 * the immediate backend (results, retries, failures) and the result handle;
 * the Redis backend's ordering (priority, then due time, runAfter) and
 * leases against a real Redis.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { checkSettings } from '../../src/runtime/conf/checks.js';
import { DEFAULTS } from '../../src/runtime/conf/defaults.js';
import { parseTasksUrl, TasksUrlError } from '../../src/runtime/conf/tasks-url.js';
import { closeRedis, parseRedisUrl, redisClient, whenReady } from '../../src/runtime/redis/index.js';
import { RedisQueue } from '../../src/runtime/tasks/backends/redis.js';
import { getResult, task, TaskArgumentsError, TaskDefinitionError, TaskResultError, useTasksUrl } from '../../src/runtime/tasks/index.js';
import { retryTime } from '../../src/runtime/tasks/run.js';
import { parseSchedule, slotId } from '../../src/runtime/tasks/schedule.js';
import type { QueueBackend, TaskRecord } from '../../src/runtime/tasks/types.js';
import { Worker } from '../../src/runtime/tasks/worker.js';
import { until } from '../helpers/until.js';
import { SERVICES_REQUIRED } from '../db/services.js';
import { REDIS_URL } from './project.js';

describe('TASKS_URL', () => {
  it('reads immediate://, db:// with its alias and options, and redis:// with a prefix', () => {
    expect(parseTasksUrl('immediate://')).toEqual({ backend: 'immediate' });
    expect(parseTasksUrl('db://')).toEqual({ backend: 'db', alias: 'default', visibility: 60, poll: 1, results: 7 * 24 * 3600 });
    expect(parseTasksUrl('db://replica?visibility=5&poll=0.5&results=60')).toEqual({ backend: 'db', alias: 'replica', visibility: 5, poll: 0.5, results: 60 });
    expect(parseTasksUrl('rediss://u:pw@cache:6380/3?prefix=site:tasks&timeout=2')).toMatchObject({
      backend: 'redis',
      prefix: 'site:tasks',
      poll: 0.2,
      redis: { url: 'rediss://u:pw@cache:6380/3', tls: true, db: 3, connectTimeout: 2, label: 'rediss://u:***@cache:6380/3' },
    });
  });

  it.each([
    ['nonsense', /not a URL/],
    ['amqp://broker', /unknown scheme 'amqp:'/],
    ['immediate://?poll=1', /unknown option \?poll= for immediate:/],
    ['db://default?visibility=0', /\?visibility= must be a number of seconds above 0, got '0'/],
    ['db://default/tasks', /names a DATABASES alias only/],
    ['redis://h?prefix=', /\?prefix= must be a key prefix/],
    ['redis://:secret@h/x', /must be a database number/],
  ])('refuses %s, saying what to write', (url, message) => {
    expect(() => parseTasksUrl(url)).toThrow(TasksUrlError);
    expect(() => parseTasksUrl(url)).toThrow(message);
  });

  it('is checked with the settings: a bad URL (never echoed), db:// without tsgate.tasks or the alias', () => {
    const base = { ...DEFAULTS, ROOT_URLCONF: 'site.urls', WSGI_APPLICATION: 'site.wsgi:application', DATABASES: { default: { URL: 'sqlite:///db.sqlite3' } } };
    expect(checkSettings({ ...base, TASKS_URL: 'db://default', INSTALLED_APPS: ['tsgate.tasks'] })).toEqual([]);
    const problems = checkSettings({ ...base, TASKS_URL: 'db://other', INSTALLED_APPS: ['pages'] }).join('\n');
    expect(problems).toContain("add 'tsgate.tasks' to INSTALLED_APPS");
    expect(problems).toContain("DATABASES has no 'other' (it has: default)");
    const bad = checkSettings({ ...base, TASKS_URL: 'redis://:hunter2@h/x' }).join('\n');
    expect(bad).toMatch(/TASKS_URL is not usable/);
    expect(bad).not.toContain('hunter2');
  });
});

describe('task()', () => {
  it('refuses a bad name, priority, queue, retries or retryDelay, and a second task under one name', () => {
    expect(() => task('has space', async () => 1)).toThrow(/task name must start with a letter/);
    expect(() => task('unit.p', async () => 1, { priority: 101 })).toThrow(/priority must be a whole number from -100 to 100, got 101/);
    expect(() => task('unit.q', async () => 1, { queue: 'a b' })).toThrow(/queue must be 1–100 letters/);
    expect(() => task('unit.r', async () => 1, { retries: -1 })).toThrow(/retries must be a whole number from 0 to 1000/);
    expect(() => task('unit.d', async () => 1, { retryDelay: Number.NaN })).toThrow(/retryDelay must be a number of seconds/);
    task('unit.same', async () => 1);
    expect(() => task('unit.same', async () => 2)).toThrow(TaskDefinitionError);
    expect(() => task('unit.same', async () => 2)).toThrow(/two tasks are named 'unit\.same'/);
  });

  it('backs off exponentially with jitter, at most an hour', () => {
    const now = 1_000_000;
    for (let attempts = 1; attempts <= 4; attempts++) {
      const base = 2000 * 2 ** (attempts - 1);
      const delay = retryTime(now, attempts, 2) - now;
      expect(delay).toBeGreaterThanOrEqual(base * 0.5);
      expect(delay).toBeLessThanOrEqual(base * 1.5);
    }
    expect(retryTime(now, 40, 2) - now).toBeLessThanOrEqual(3600_000 * 1.5);
  });
});

describe('the immediate backend', () => {
  afterEach(() => useTasksUrl(undefined));

  it('runs a task at enqueue and hands back a finished result with its return value', async () => {
    useTasksUrl('immediate://');
    const add = task('unit.add', async ({ a, b }: { a: number; b: number }, context) => ({ sum: a + b, attempt: context.attempt }));
    const result = await add.enqueue({ a: 2, b: 3 });
    expect(result.status).toBe('SUCCESSFUL');
    expect(result.isFinished).toBe(true);
    expect(result.returnValue).toEqual({ sum: 5, attempt: 1 });
    expect(result.attempts).toBe(1);
    expect(result.finishedAt).toBeInstanceOf(Date);
    const again = await getResult(result.id);
    expect(again?.returnValue).toEqual({ sum: 5, attempt: 1 });
    expect(await getResult('no-such-id')).toBeUndefined();
  });

  it('retries a failing task, then keeps it FAILED with its error; returnValue says why there is none', async () => {
    useTasksUrl('immediate://');
    let runs = 0;
    const failing = task(
      'unit.failing',
      async () => {
        runs += 1;
        throw new RangeError(`run ${runs} failed`);
      },
      { retries: 2 },
    );
    const result = await failing.enqueue(null);
    expect(runs).toBe(3);
    expect(result.status).toBe('FAILED');
    expect(result.attempts).toBe(3);
    expect(result.error).toMatch(/^RangeError: run 3 failed/);
    expect(() => result.returnValue).toThrow(TaskResultError);
    expect(() => result.returnValue).toThrow(/has no return value: it is FAILED — RangeError: run 3 failed/);
  });

  it('checks arguments as JSON at enqueue, naming the first value that is not', async () => {
    useTasksUrl('immediate://');
    const noop = task('unit.noop', async () => undefined);
    await expect(noop.enqueue({ when: new Date() })).rejects.toThrow(TaskArgumentsError);
    await expect(noop.enqueue({ when: new Date() })).rejects.toThrow(/the arguments of 'unit\.noop' must be JSON: args\.when is a Date \(pass a plain object, or its JSON form/);
    await expect(noop.enqueue({ list: [1, Number.NaN] })).rejects.toThrow(/args\.list\[1\] is NaN/);
    await expect(noop.enqueue({ f: () => 1 })).rejects.toThrow(/args\.f is a function/);
    await expect(noop.enqueue({ u: undefined })).rejects.toThrow(/args\.u is undefined/);
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    await expect(noop.enqueue(loop)).rejects.toThrow(/args\.self refers back to itself/);
    await expect(noop.enqueue({ 'odd key': [{ ok: null }], n: 1.5, s: 'x', b: false })).resolves.toMatchObject({ status: 'SUCCESSFUL' });
    await expect(noop.enqueue({}, { priority: 1.5 })).rejects.toThrow(/priority must be a whole number/);
    const bad = task('unit.returns_date', async () => new Date());
    const result = await bad.enqueue(null);
    expect(result.status).toBe('FAILED');
    expect(result.error).toMatch(/the return value of 'unit\.returns_date' must be JSON: value is a Date/);
  });
});

const redisUp = await (async () => {
  try {
    await whenReady(await redisClient(REDIS_URL), REDIS_URL, 5000);
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!redisUp && !SERVICES_REQUIRED)('the Redis backend, in process', () => {
  const prefix = `tsgate_tasks_unit:${process.pid}:${Date.now()}`;
  const queue = new RedisQueue(parseRedisUrl(REDIS_URL), prefix, 1, 0.1, 60);
  afterAll(async () => {
    const client = await redisClient(REDIS_URL);
    const keys = await client.keys(`${prefix}:*`);
    if (keys.length > 0) await client.del(keys);
    await closeRedis();
  });

  const record = (id: string, priority: number, runAfter: number, queueName = 'default'): TaskRecord => ({
    id, name: 'unit.x', queue: queueName, priority, args: '{}', status: 'READY', attempts: 0, maxAttempts: 1, runAfter, enqueuedAt: Date.now(), startedAt: null, finishedAt: null, result: null, error: null,
  });

  it('claims by priority, then due time; not before runAfter; only the queues asked for', async () => {
    const now = Date.now();
    await queue.enqueue(record('low', -5, now - 3000));
    await queue.enqueue(record('early', 0, now - 2000));
    await queue.enqueue(record('late', 0, now - 1000));
    await queue.enqueue(record('high', 10, now));
    await queue.enqueue(record('later', 100, now + 60_000));
    await queue.enqueue(record('mail', 50, now, 'mail'));
    const claimed = await queue.claim('w1', ['default'], 10, Date.now(), Date.now() + 1000);
    expect(claimed.map((task) => task.id)).toEqual(['high', 'early', 'late', 'low']);
    expect(claimed[0]).toMatchObject({ name: 'unit.x', queue: 'default', attempts: 1, maxAttempts: 1 });
    expect(await queue.pending(['default'], Date.now())).toBe(4);
    expect((await queue.get('later'))?.status).toBe('READY');
    expect((await queue.claim('w2', ['mail'], 10, Date.now(), Date.now() + 1000)).map((task) => task.id)).toEqual(['mail']);
    // Finished by w1: SUCCESSFUL with the result; an outcome from a worker that no longer holds the task is ignored.
    await queue.finish('w1', [{ id: 'high', ok: true, result: '42' }], Date.now());
    await queue.finish('w2', [{ id: 'early', ok: true, result: '"stolen"' }], Date.now());
    expect(await queue.get('high')).toMatchObject({ status: 'SUCCESSFUL', result: '42' });
    expect((await queue.get('early'))?.status).toBe('RUNNING');
    // w1's lease (1 s) runs out: its unfinished tasks come back for another worker.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await queue.recover(Date.now())).toBe(4);
    const again = await queue.claim('w3', ['default'], 10, Date.now(), Date.now() + 1000);
    expect(again.map((task) => task.id)).toEqual(['early', 'late', 'low']);
    expect(again[0]?.attempts).toBe(2);
  });

  it("keeps renewing a finished task's lease until its outcome is recorded: a slow finish does not run it twice", async () => {
    const leased = new RedisQueue(parseRedisUrl(REDIS_URL), `${prefix}:lease`, 0.3, 0.05, 60);
    const runs: number[] = [];
    task('unit.lease', (_args: Record<string, never>, { attempt }) => void runs.push(attempt));
    let recordNow!: () => void;
    const recordable = new Promise<void>((resolve) => (recordNow = resolve));
    let finishAsked!: () => void;
    const finishing = new Promise<void>((resolve) => (finishAsked = resolve));
    // The real queue, with its finish held back as behind a slow database.
    const slow: QueueBackend = Object.assign(Object.create(leased) as QueueBackend, {
      finish: async (...args: Parameters<QueueBackend['finish']>) => {
        finishAsked();
        await recordable;
        return leased.finish(...args);
      },
    });
    await leased.enqueue({ ...record('lease-1', 0, Date.now()), name: 'unit.lease' });
    const worker = new Worker(slow, { queues: [], concurrency: 1, burst: false, gracefulTimeout: 1 });
    const stopped = worker.run();
    await finishing;
    // Three leases' time: without renewal the worker's own recover() would have put the task back by now.
    await new Promise((resolve) => setTimeout(resolve, 900));
    expect(await leased.recover(Date.now())).toBe(0);
    expect((await leased.get('lease-1'))?.status).toBe('RUNNING');
    recordNow();
    await until('the outcome is recorded', async () => (await leased.get('lease-1'))?.status === 'SUCCESSFUL');
    worker.stop('now');
    expect(await stopped).toBe(0);
    expect(runs).toEqual([1]);
  });
});

describe('cron schedules', () => {
  it('read five fields (or six, seconds first) and find the next slot', () => {
    const at = (text: string) => new Date(text);
    const every5 = parseSchedule('*/5 * * * *');
    expect(every5.next(at('2026-03-01T10:03:20')).toString()).toBe(at('2026-03-01T10:05:00').toString());
    expect(every5.next(at('2026-03-01T10:05:00')).toString()).toBe(at('2026-03-01T10:10:00').toString());
    const weekdays = parseSchedule('30 9 * * 1-5');
    // Saturday 7 March 2026 → Monday 9 March, 9:30.
    expect(weekdays.next(at('2026-03-07T12:00:00')).toString()).toBe(at('2026-03-09T09:30:00').toString());
    expect(parseSchedule('0 0 1,15 * *').next(at('2026-03-02T00:00:00')).toString()).toBe(at('2026-03-15T00:00:00').toString());
    // Both day fields restricted: either matches, as in cron (the 13th, or any Friday).
    expect(parseSchedule('0 0 13 * 5').next(at('2026-03-01T00:00:00')).toString()).toBe(at('2026-03-06T00:00:00').toString());
    expect(parseSchedule('0 0 29 2 *').next(at('2026-03-01T00:00:00')).toString()).toBe(at('2028-02-29T00:00:00').toString());
    const seconds = parseSchedule('*/2 * * * * *');
    expect(seconds.seconds).toBe(true);
    expect(seconds.next(at('2026-03-01T10:00:01.500')).toString()).toBe(at('2026-03-01T10:00:02').toString());
    expect(parseSchedule('0 0 * * 7').matches(at('2026-03-08T00:00:00'))).toBe(true);
  });

  it.each([
    ['* * * *', /must have 5 fields/],
    ['60 * * * *', /the minute field '60' is outside 0–59/],
    ['*/0 * * * *', /has a step of 0/],
    ['a * * * *', /is not a number, a range/],
    ['0 0 31 2 *', /never fires/],
  ])('refuse %s', (expression, message) => {
    expect(() => parseSchedule(expression).next(new Date())).toThrow(message);
  });

  it('give each slot one id, the same in every worker', () => {
    expect(slotId('a.b', 1000)).toBe(slotId('a.b', 1000));
    expect(slotId('a.b', 1000)).not.toBe(slotId('a.b', 2000));
    expect(slotId('a.b', 1000)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(() => task('unit.cron', async () => 1, { schedule: 'every day' })).toThrow(/task 'unit\.cron': schedule 'every day' must have 5 fields/);
  });
});

describe('enqueue in a transaction', () => {
  afterEach(() => useTasksUrl(undefined));

  it('is refused on redis://, which cannot roll back with the database', async () => {
    useTasksUrl(`${REDIS_URL}?prefix=tsgate_tasks_unit_trx`);
    const noop = task('unit.trx', async () => undefined);
    await expect(noop.enqueue({}, { transaction: {} })).rejects.toThrow(/\{ transaction \} needs TASKS_URL db:\/\/ .* with redis:\/\/ enqueue after the transaction has committed/);
  });
});
