/**
 * TASKS_URL: where background tasks wait for a worker, as one URL.
 *
 *   immediate://                       run at enqueue, in the same process (development, tests)
 *   db://  or  db://ALIAS              a table in DATABASES[ALIAS] ('default'), claimed with SKIP LOCKED
 *   redis://host:6379/0                Redis (rediss:// over TLS)
 *
 * The queued backends (db, redis) read `?visibility=SECONDS` (how long a
 * claimed task stays invisible to other workers while its worker's lease
 * is not renewed: a crashed worker's tasks come back after it; default 60),
 * `?poll=SECONDS` (how often an idle worker looks for work; default 1 for
 * db, 0.2 for redis) and `?results=SECONDS` (how long a finished task's
 * result is kept; default 7 days). redis also reads `?prefix=` (key prefix,
 * default `tsgate:tasks`) and `?timeout=` (connect timeout, as everywhere).
 * One parser for the settings checks and for tasks/; it lives here, below
 * tasks/, so that conf never imports tasks.
 */
import { parseRedisUrl, RedisUrlError, type RedisTarget } from '../redis/url.js';

export interface QueueOptions {
  /** Seconds a claimed task stays with its worker without a renewed lease. */
  visibility: number;
  /** Seconds between two looks for work while idle. */
  poll: number;
  /** Seconds a finished task (its status and result) is kept. */
  results: number;
}

export type TasksTarget =
  | { backend: 'immediate' }
  | ({ backend: 'db'; alias: string } & QueueOptions)
  | ({ backend: 'redis'; redis: RedisTarget; prefix: string } & QueueOptions);

export class TasksUrlError extends Error {
  override name = 'TasksUrlError';
}

const SCHEMES = 'immediate://, db://default or redis://host:6379/0';
const DAY = 24 * 60 * 60;

function seconds(url: URL, key: string, fallback: number): number {
  const text = url.searchParams.get(key);
  if (text === null) return fallback;
  const value = Number(text);
  if (!(value > 0) || !Number.isFinite(value)) throw new TasksUrlError(`?${key}= must be a number of seconds above 0, got '${text}'`);
  return value;
}

function onlyOptions(url: URL, allowed: readonly string[]): void {
  for (const key of url.searchParams.keys()) {
    if (!allowed.includes(key)) throw new TasksUrlError(`unknown option ?${key}= for ${url.protocol}// (it reads ${allowed.map((name) => `?${name}=`).join(', ') || 'none'})`);
  }
}

/** Reads TASKS_URL; a bad one is a TasksUrlError that never repeats a password. */
export function parseTasksUrl(text: string): TasksTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TasksUrlError(`not a URL: use ${SCHEMES}`);
  }
  const queue = ['visibility', 'poll', 'results'];
  switch (url.protocol) {
    case 'immediate:':
      onlyOptions(url, []);
      return { backend: 'immediate' };
    case 'db:': {
      onlyOptions(url, queue);
      const alias = url.hostname || 'default';
      if (url.pathname !== '' && url.pathname !== '/') throw new TasksUrlError(`db:// names a DATABASES alias only, e.g. db://default, not a path ('${url.pathname}')`);
      return { backend: 'db', alias, visibility: seconds(url, 'visibility', 60), poll: seconds(url, 'poll', 1), results: seconds(url, 'results', 7 * DAY) };
    }
    case 'redis:':
    case 'rediss:': {
      onlyOptions(url, [...queue, 'prefix', 'timeout']);
      const prefix = url.searchParams.get('prefix') ?? 'tsgate:tasks';
      if (prefix === '' || /\s/.test(prefix)) throw new TasksUrlError(`?prefix= must be a key prefix without spaces, got '${prefix}'`);
      const options = { visibility: seconds(url, 'visibility', 60), poll: seconds(url, 'poll', 0.2), results: seconds(url, 'results', 7 * DAY) };
      const plain = new URL(url.href);
      for (const key of [...queue, 'prefix']) plain.searchParams.delete(key);
      try {
        return { backend: 'redis', redis: parseRedisUrl(plain.href), prefix, ...options };
      } catch (error) {
        if (error instanceof RedisUrlError) throw new TasksUrlError(error.message);
        throw error;
      }
    }
    default:
      throw new TasksUrlError(`unknown scheme '${url.protocol}' — use ${SCHEMES}`);
  }
}
