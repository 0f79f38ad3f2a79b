/**
 * A Redis server as one URL, for CACHES, rate limits and TASKS:
 *
 *   redis://[user:password@]host[:port][/db][?timeout=5]
 *   rediss://…                       the same over TLS
 *
 * `db` is the logical database number (0 when absent); `timeout` the
 * seconds to wait for a connection (default 5). This module only parses.
 */
import { redactUrl } from '../logging/index.js';

export interface RedisTarget {
  /** The URL without tsgate's own query options: what the client is given. */
  url: string;
  tls: boolean;
  host: string;
  port: number;
  db: number;
  /** Seconds to wait for a connection. */
  connectTimeout: number;
  /** `redis://user:***@host:6379/0`, for messages. */
  label: string;
}

export class RedisUrlError extends Error {
  override name = 'RedisUrlError';
}

const DEFAULT_CONNECT_TIMEOUT = 5;

/** Reads a redis:// or rediss:// URL; a bad one is a RedisUrlError that never repeats the password. */
export function parseRedisUrl(text: string): RedisTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RedisUrlError('not a URL: use redis://host:6379/0 or rediss://user:password@host:6380/0');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new RedisUrlError(`unknown scheme '${url.protocol}' — use redis:// or rediss:// (TLS)`);
  if (url.hostname === '') throw new RedisUrlError(`${url.protocol}// needs a host, e.g. ${url.protocol}//127.0.0.1:6379/0`);
  const path = url.pathname.replace(/^\//, '');
  if (!/^\d*$/.test(path)) throw new RedisUrlError(`the path must be a database number, e.g. ${url.protocol}//${url.host}/0, got '/${path}'`);
  let connectTimeout = DEFAULT_CONNECT_TIMEOUT;
  for (const [key, value] of url.searchParams) {
    if (key !== 'timeout') throw new RedisUrlError(`unknown option ?${key}= (tsgate reads ?timeout=SECONDS)`);
    connectTimeout = Number(value);
    if (!(connectTimeout > 0)) throw new RedisUrlError(`?timeout= must be a number of seconds above 0, got '${value}'`);
  }
  const plain = new URL(url.href);
  plain.search = '';
  return {
    url: plain.href,
    tls: url.protocol === 'rediss:',
    host: url.hostname,
    port: url.port === '' ? 6379 : Number(url.port),
    db: path === '' ? 0 : Number(path),
    connectTimeout,
    label: redactUrl(plain.href),
  };
}
