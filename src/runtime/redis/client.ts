/**
 * Connections to Redis, shared by the cache, rate limits and tasks: one
 * client per URL per process, made on first use, with node-redis
 * (`@redis/client`, loaded only when a project uses Redis).
 *
 * A Redis that is down must not take the process with it: the client's
 * errors are logged (once per interval, not per retry), commands fail at
 * once while it is offline (no queue that grows and answers late), and it
 * reconnects in the background with a capped back-off.
 */
import type { RedisClientType } from '@redis/client';
import { logger } from '../logging/index.js';
import { parseRedisUrl, type RedisTarget } from './url.js';

export type RedisClient = RedisClientType;

export class RedisError extends Error {
  override name = 'RedisError';
}

/** Between two "Redis is unavailable" lines for one server. */
const WARN_INTERVAL_MS = 30_000;
const MAX_RECONNECT_DELAY_MS = 2_000;

interface Shared {
  target: RedisTarget;
  client: RedisClient;
}

const shared = new Map<string, Shared>();
const dedicated = new Set<RedisClient>();
const creating = new Map<string, Promise<RedisClient>>();

/** node-redis, an optional dependency: a project that uses no Redis does not install it. */
async function loadClientLibrary(label: string): Promise<typeof import('@redis/client')> {
  try {
    return await import('@redis/client');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new RedisError(`${label} is a Redis server, which needs the '@redis/client' package: npm install @redis/client`);
  }
}

async function create(target: RedisTarget): Promise<RedisClient> {
  const { createClient } = await loadClientLibrary(target.label);
  const client = createClient({
    url: target.url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: target.connectTimeout * 1000,
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, MAX_RECONNECT_DELAY_MS),
      ...(target.tls ? { tls: true as const } : {}),
    },
  }) as RedisClient;
  let warnedAt = 0;
  client.on('error', (error: Error) => {
    const now = Date.now();
    if (now - warnedAt < WARN_INTERVAL_MS) return;
    warnedAt = now;
    logger.warning(`Redis at ${target.label} is unavailable: ${error.message || error.name}; retrying in the background`);
  });
  client.on('ready', () => {
    if (warnedAt !== 0) logger.info(`Redis at ${target.label} is available again`);
    warnedAt = 0;
  });
  // Connected in the background: commands made before it is ready fail at
  // once (ClientOfflineError) rather than wait; connect() itself settles only
  // when connected or closed.
  client.connect().catch(() => undefined);
  return client;
}

/**
 * The process's client for `url`. With `{ dedicated: true }`, a client of
 * its own (for blocking commands such as XREADGROUP BLOCK, which hold their
 * connection); close it with `closeRedis()` or `client.destroy()`.
 */
export async function redisClient(url: string, options: { dedicated?: boolean } = {}): Promise<RedisClient> {
  const target = parseRedisUrl(url);
  if (options.dedicated) {
    const client = await create(target);
    dedicated.add(client);
    return client;
  }
  const existing = shared.get(target.url);
  if (existing) return existing.client;
  // Calls made while the first is still loading the library share its client (else each made one, and only the last was ever closed).
  let making = creating.get(target.url);
  if (!making) {
    making = create(target).then(
      (client) => {
        shared.set(target.url, { target, client });
        creating.delete(target.url);
        return client;
      },
      (error: unknown) => {
        creating.delete(target.url);
        throw error;
      },
    );
    creating.set(target.url, making);
  }
  return making;
}

/** Waits until `client` is connected, up to `timeoutMs`; throws a RedisError naming the server otherwise. */
export async function whenReady(client: RedisClient, label: string, timeoutMs: number): Promise<void> {
  if (client.isReady) return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', ready);
      reject(new RedisError(`Redis at ${label} did not answer within ${timeoutMs / 1000} s — is it running, and is the URL right?`));
    }, timeoutMs);
    const ready = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', ready);
  });
}

/** Closes every Redis connection of the process, so a command can exit. */
export async function closeRedis(): Promise<void> {
  const clients = [...[...shared.values()].map((entry) => entry.client), ...dedicated];
  shared.clear();
  dedicated.clear();
  await Promise.allSettled(clients.map((client) => (client.isReady ? client.close() : client.destroy())));
}
