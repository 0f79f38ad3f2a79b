/**
 * `redis://`: tasks in Redis, every state change one Lua script (atomic on
 * the server, one round trip). Keys, under the prefix P:
 *
 *   P:t:ID         hash: the task's record (expires `results` after it succeeds)
 *   P:q:QUEUE      sorted set of READY ids due now, by priority then due time
 *   P:delayed      sorted set of READY ids due later, by due time (promoted by claims)
 *   P:running      sorted set of RUNNING ids, by lease end (the visibility timeout)
 *   P:failed       sorted set of FAILED ids, by finish time
 *   P:queues       set of queue names (for claims of every queue)
 *
 * A claim pops from the queues and adds to P:running in one script, so a
 * task is never in neither or both; a worker that dies leaves its ids in
 * P:running past their lease, and recover() puts them back. The scripts
 * name keys that they build from the prefix, which a single Redis (or a
 * replicated one) allows; a Redis Cluster does not.
 */
import { redisClient, whenReady, type RedisClient } from '../../redis/index.js';
import type { RedisTarget } from '../../redis/url.js';
import { LOST_RUNS, type ClaimedTask, type Outcome, type QueueBackend, type TaskRecord, type TaskStatus } from '../types.js';
import { SCRIPTS, type ScriptName } from './redis-scripts.js';

/** Score of a READY task in its queue: higher priority first, then earlier due time (priorities are -100…100). */
export function queueScore(priority: number, runAfter: number): number {
  return -priority * 1e13 + runAfter;
}

export class RedisQueue implements QueueBackend {
  readonly kind = 'redis' as const;
  private readonly shas = new Map<ScriptName, string>();

  constructor(
    private readonly target: RedisTarget,
    private readonly prefix: string,
    readonly visibility: number,
    readonly poll: number,
    private readonly results: number,
  ) {}

  /** The shared client, once connected (commands sent before then fail at once: no offline queue). */
  private async client(): Promise<RedisClient> {
    const client = await redisClient(this.target.url);
    if (!client.isReady) await whenReady(client, this.target.label, this.target.connectTimeout * 1000);
    return client;
  }

  /** Runs a script by its SHA, loading it on first use (and again after a server restart: NOSCRIPT). */
  private async script(name: ScriptName, keys: string[], args: (string | number)[]): Promise<unknown> {
    const client = await this.client();
    const options = { keys, arguments: args.map(String) };
    let sha = this.shas.get(name);
    if (!sha) {
      sha = await client.scriptLoad(SCRIPTS[name]);
      this.shas.set(name, sha);
    }
    try {
      return await client.evalSha(sha, options);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      this.shas.delete(name);
      return client.eval(SCRIPTS[name], options);
    }
  }

  private key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  async enqueue(record: TaskRecord): Promise<void> {
    await this.script('enqueue', [this.key('t', record.id)], this.enqueueArgs(record, 'always'));
  }

  private enqueueArgs(record: TaskRecord, mode: 'once' | 'always'): (string | number)[] {
    return [
      this.prefix,
      record.id,
      record.name,
      record.queue,
      record.priority,
      record.args,
      record.maxAttempts,
      record.runAfter,
      record.enqueuedAt,
      Date.now(),
      queueScore(record.priority, record.runAfter),
      mode,
    ];
  }

  async enqueueOnce(record: TaskRecord): Promise<boolean> {
    return Number(await this.script('enqueue', [this.key('t', record.id)], this.enqueueArgs(record, 'once'))) === 1;
  }

  async claim(worker: string, queues: readonly string[], max: number, now: number, leaseUntil: number): Promise<ClaimedTask[]> {
    const reply = (await this.script('claim', [], [this.prefix, worker, max, now, leaseUntil, ...queues])) as string[];
    const claimed: ClaimedTask[] = [];
    for (let index = 0; index + 5 < reply.length; index += 6) {
      claimed.push({
        id: reply[index] as string,
        name: reply[index + 1] as string,
        queue: reply[index + 2] as string,
        args: reply[index + 3] as string,
        attempts: Number(reply[index + 4]),
        maxAttempts: Number(reply[index + 5]),
      });
    }
    return claimed;
  }

  async finish(worker: string, outcomes: readonly Outcome[], now: number): Promise<void> {
    if (outcomes.length === 0) return;
    const args: (string | number)[] = [this.prefix, worker, now, Math.round(this.results)];
    for (const outcome of outcomes) {
      if (outcome.ok) args.push(outcome.id, 'ok', outcome.result, '');
      else args.push(outcome.id, outcome.retryAt === null ? 'failed' : 'retry', outcome.error, outcome.retryAt ?? '');
    }
    await this.script('finish', [], args);
  }

  async extend(worker: string, ids: readonly string[], leaseUntil: number): Promise<void> {
    if (ids.length > 0) await this.script('extend', [], [this.prefix, worker, leaseUntil, ...ids]);
  }

  async release(worker: string, ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.script('release', [], [this.prefix, worker, ...ids]);
  }

  async recover(now: number): Promise<number> {
    return Number(await this.script('recover', [], [this.prefix, now, LOST_RUNS]));
  }

  async pending(queues: readonly string[], now: number): Promise<number> {
    return Number(await this.script('pending', [], [this.prefix, now, ...queues]));
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    const client = await this.client();
    const hash = await client.hGetAll(this.key('t', id));
    if (!hash.name) return undefined;
    const number = (value: string | undefined) => (value === undefined || value === '' ? null : Number(value));
    return {
      id,
      name: hash.name,
      queue: hash.queue ?? 'default',
      priority: Number(hash.priority ?? 0),
      args: hash.args ?? 'null',
      status: (hash.status ?? 'READY') as TaskStatus,
      attempts: Number(hash.attempts ?? 0),
      maxAttempts: Number(hash.max_attempts ?? 1),
      runAfter: Number(hash.run_after ?? 0),
      enqueuedAt: Number(hash.enqueued_at ?? 0),
      startedAt: number(hash.started_at),
      finishedAt: number(hash.finished_at),
      result: hash.result ?? null,
      error: hash.error || null,
    };
  }

  async failed(limit: number): Promise<TaskRecord[]> {
    const client = await this.client();
    const ids = await client.zRange(this.key('failed'), 0, limit - 1, { REV: true });
    const records = await Promise.all(ids.map((id) => this.get(id)));
    return records.filter((record): record is TaskRecord => record !== undefined);
  }

  async retry(id: string, now: number): Promise<boolean> {
    return Number(await this.script('retry', [], [this.prefix, id, now])) === 1;
  }

  /** Finished tasks expire by themselves (`?results=`); only failed ones are kept until retried. */
  async purge(): Promise<number> {
    return 0;
  }
}
