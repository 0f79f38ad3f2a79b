/**
 * redis:// and rediss://: one Redis server shared by every worker and
 * replica, through the process's shared client (redis/). Expiry is given to
 * Redis as a duration (PX), so the app's and the server's clocks need not
 * agree. Counters are Lua scripts: one round trip, atomic on the server.
 */
import { redisClient, whenReady, type RedisClient } from '../redis/index.js';
import { parseRedisUrl } from '../redis/index.js';
import type { CacheBackend, Expiry } from './backend.js';
import { CacheError } from './errors.js';

/** INCRBY only when the key exists: incr() on a missing key is a miss, not a new counter. */
const INCR_EXISTING = "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end return false";
/** INCRBY, and the expiry when this call made the counter (it then equals the delta). */
const COUNT = "local v = redis.call('INCRBY', KEYS[1], ARGV[1]) if v == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return v";
const NOT_AN_INTEGER = /not an integer/i;

/** Milliseconds left until `expires`, at least 1 (0 would be an error to Redis). */
function remaining(expires: number): number {
  return Math.max(1, Math.ceil(expires - Date.now()));
}

/** `prefix` with Redis's glob characters escaped, for SCAN MATCH. */
function globEscape(prefix: string): string {
  return prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

export class RedisBackend implements CacheBackend {
  readonly label: string;
  /** A command's time limit (the URL's ?timeout=, 5 s by default): a server that stops answering is a miss, not a hung request. */
  private readonly timeoutMs: number;
  private client: Promise<RedisClient> | undefined;

  constructor(private readonly url: string) {
    const target = parseRedisUrl(url);
    this.label = target.label;
    this.timeoutMs = target.connectTimeout * 1000;
  }

  /** `work` on the client, failing after the time limit; a late answer is dropped. */
  private async run<T>(work: (client: RedisClient) => Promise<T>): Promise<T> {
    const client = await this.connected();
    let timer: NodeJS.Timeout | undefined;
    const pending = work(client);
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs / 1000} s`)), this.timeoutMs);
    });
    try {
      return await Promise.race([pending, late]);
    } finally {
      clearTimeout(timer);
      pending.catch(() => undefined);
    }
  }

  /**
   * The shared client; the first use waits for it to connect (up to the
   * URL's ?timeout=), later ones fail at once while Redis is down.
   */
  private connected(): Promise<RedisClient> {
    this.client ??= (async () => {
      const client = await redisClient(this.url);
      await whenReady(client, this.label, this.timeoutMs).catch(() => undefined);
      return client;
    })();
    return this.client;
  }

  async get(key: string): Promise<string | undefined> {
    const value = await this.run((client) => client.get(key));
    return value ?? undefined;
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    if (keys.length === 0) return [];
    const values = await this.run((client) => client.mGet([...keys]));
    return values.map((value) => value ?? undefined);
  }

  async set(key: string, value: string, expires: Expiry): Promise<void> {
    await this.run((client) => (expires === null ? client.set(key, value) : client.set(key, value, { PX: remaining(expires) })));
  }

  async setMany(entries: readonly (readonly [string, string])[], expires: Expiry): Promise<void> {
    if (entries.length === 0) return;
    await this.run(async (client) => {
      const multi = client.multi();
      for (const [key, value] of entries) {
        if (expires === null) multi.set(key, value);
        else multi.set(key, value, { PX: remaining(expires) });
      }
      await multi.exec();
    });
  }

  async add(key: string, value: string, expires: Expiry): Promise<boolean> {
    const reply = await this.run((client) => (expires === null ? client.set(key, value, { NX: true }) : client.set(key, value, { NX: true, PX: remaining(expires) })));
    return reply === 'OK';
  }

  async delete(key: string): Promise<boolean> {
    return (await this.run((client) => client.del(key))) > 0;
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    if (keys.length > 0) await this.run((client) => client.del([...keys]));
  }

  async incr(key: string, delta: number): Promise<number | undefined> {
    const reply = await this.script(key, INCR_EXISTING, [String(delta)]);
    return reply === null ? undefined : Number(reply);
  }

  async count(key: string, delta: number, expires: number): Promise<number> {
    return Number(await this.script(key, COUNT, [String(delta), String(remaining(expires))]));
  }

  private async script(key: string, script: string, args: string[]): Promise<unknown> {
    try {
      return await this.run((client) => client.eval(script, { keys: [key], arguments: args }));
    } catch (error) {
      // The server's answer about the value, not about the connection: the caller's mistake.
      if (error instanceof Error && NOT_AN_INTEGER.test(error.message)) throw new CacheError(`cannot add to '${key}': it does not hold a whole number`);
      throw error;
    }
  }

  async clear(prefix: string): Promise<void> {
    const client = await this.connected();
    for await (const keys of client.scanIterator({ MATCH: `${globEscape(prefix)}*`, COUNT: 500 })) {
      if (keys.length > 0) await client.del(keys);
    }
  }
}
