/**
 * One contract every cache backend passes: locmem, Redis, and the database
 * table on SQLite, PostgreSQL and MariaDB. Values round-trip as JSON, TTLs
 * expire, add/incr/count are atomic under concurrency, prefixes and versions
 * keep caches apart, and keys are case-sensitive (MySQL's default collation
 * is not).
 */
import { spawn } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { freePort } from '../helpers/process.js';
import { redisClient, whenReady } from '../../src/runtime/redis/index.js';
import { logger } from '../../src/runtime/logging/index.js';
import { Cache, CacheError, CacheValueError, createCache } from '../../src/runtime/cache/index.js';
import { REDIS_SERVER, storeOrSkip, STORE_TITLES, uniqueName, useStores } from './stores.js';
import { SERVICES_REQUIRED } from '../db/services.js';

const stores = useStores();

function cacheOn(url: string, prefix = uniqueName(), extra: { version?: number; timeout?: number | null } = {}): Cache {
  return createCache({ URL: url, KEY_PREFIX: prefix, VERSION: extra.version, TIMEOUT: extra.timeout });
}

describe.each(STORE_TITLES)('the cache contract on %s', (title) => {
  const open = (skip: (note: string) => void, prefix?: string, extra?: { version?: number; timeout?: number | null }) =>
    cacheOn(storeOrSkip(stores, title, skip).url, prefix, extra);

  it('gives back what was set, as JSON, and undefined for a miss', async ({ skip }) => {
    const cache = open(skip);
    const value = { name: 'Zoë ✓', tags: ['a', 'b'], nested: { n: 1.5, ok: true, none: null } };
    await cache.set('greeting', value);
    expect(await cache.get('greeting')).toEqual(value);
    await cache.set('nothing', null);
    expect(await cache.get('nothing')).toBeNull();
    expect(await cache.has('nothing')).toBe(true);
    expect(await cache.get('absent')).toBeUndefined();
    expect(await cache.has('absent')).toBe(false);
    await cache.set('big', 'x'.repeat(200_000));
    expect(((await cache.get('big')) as string).length).toBe(200_000);
  });

  it('tells keys apart by case', async ({ skip }) => {
    const cache = open(skip);
    await cache.set('Key', 'upper');
    await cache.set('key', 'lower');
    expect(await cache.get('Key')).toBe('upper');
    expect(await cache.get('key')).toBe('lower');
  });

  it('forgets a value after its ttl; ttl 0 stores nothing and removes the old value; null keeps it', async ({ skip }) => {
    const cache = open(skip, undefined, { timeout: 1 });
    await cache.set('short', 1);
    await cache.set('kept', 2, { ttl: null });
    await cache.set('long', 3, { ttl: 60 });
    expect(await cache.get('short')).toBe(1);
    await vi.waitFor(async () => expect(await cache.get('short')).toBeUndefined(), { timeout: 10_000, interval: 200 });
    expect(await cache.get('kept')).toBe(2);
    expect(await cache.get('long')).toBe(3);
    await cache.set('long', 4, { ttl: 0 });
    expect(await cache.get('long')).toBeUndefined();
  });

  it('add stores only into an empty (or expired) key, once among many racing', async ({ skip }) => {
    const cache = open(skip);
    const results = await Promise.all(Array.from({ length: 10 }, (_, index) => cache.add('once', index)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await cache.get('once')).toBe(results.indexOf(true));
    await cache.set('brief', 'old', { ttl: 1 });
    expect(await cache.add('brief', 'new')).toBe(false);
    await vi.waitFor(async () => expect(await cache.add('brief', 'new')).toBe(true), { timeout: 10_000, interval: 200 });
    expect(await cache.get('brief')).toBe('new');
  });

  it('delete says whether there was something; getOrSet computes only on a miss', async ({ skip }) => {
    const cache = open(skip);
    await cache.set('gone', 1);
    expect(await cache.delete('gone')).toBe(true);
    expect(await cache.delete('gone')).toBe(false);
    const compute = vi.fn(async () => ({ total: 42 }));
    expect(await cache.getOrSet('report', compute, { ttl: 60 })).toEqual({ total: 42 });
    expect(await cache.getOrSet('report', compute)).toEqual({ total: 42 });
    expect(compute).toHaveBeenCalledTimes(1);
  });

  it('incr and decr add to a whole number atomically; a miss is undefined; a non-number is a CacheError', async ({ skip }) => {
    const cache = open(skip);
    expect(await cache.incr('missing')).toBeUndefined();
    await cache.set('hits', 10);
    await Promise.all(Array.from({ length: 20 }, () => cache.incr('hits')));
    expect(await cache.get('hits')).toBe(30);
    expect(await cache.decr('hits', 5)).toBe(25);
    expect(await cache.incr('hits', -30)).toBe(-5);
    await cache.set('word', 'hello');
    await expect(cache.incr('word')).rejects.toThrow(CacheError);
    await expect(cache.incr('word')).rejects.toThrow(/not a whole number|does not hold a whole number/);
  });

  it('count starts a counter with a ttl and counts every concurrent call exactly once', async ({ skip }) => {
    const cache = open(skip);
    const results = await Promise.all(Array.from({ length: 40 }, () => cache.count('window', { ttl: 60 })));
    expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, index) => index + 1));
    expect(await cache.count('window', { ttl: 60, delta: 5 })).toBe(45);
    await cache.count('brief', { ttl: 1 });
    await vi.waitFor(async () => expect(await cache.count('brief', { ttl: 1 })).toBe(1), { timeout: 10_000, interval: 300 });
  });

  it('getMany, setMany and deleteMany work on several keys at once', async ({ skip }) => {
    const cache = open(skip);
    await cache.setMany({ a: 1, b: [2], c: { three: 3 } }, { ttl: 60 });
    await cache.setMany(new Map([['d', 'four']]));
    const found = await cache.getMany(['a', 'b', 'c', 'd', 'missing']);
    expect(Object.fromEntries(found)).toEqual({ a: 1, b: [2], c: { three: 3 }, d: 'four' });
    await cache.deleteMany(['a', 'b']);
    expect([...(await cache.getMany(['a', 'b', 'c'])).keys()]).toEqual(['c']);
  });

  it('keeps KEY_PREFIXes and VERSIONs apart, and clear() empties only its own prefix', async ({ skip }) => {
    const prefix = uniqueName();
    const one = open(skip, prefix);
    const two = open(skip, `${prefix}x`);
    const newer = open(skip, prefix, { version: 2 });
    await one.set('shared', 'one');
    await two.set('shared', 'two');
    expect(await newer.get('shared')).toBeUndefined();
    expect(await one.get('shared', { version: 1 })).toBe('one');
    await newer.set('shared', 'newer');
    await one.clear();
    expect(await one.get('shared')).toBeUndefined();
    expect(await newer.get('shared')).toBeUndefined();
    expect(await two.get('shared')).toBe('two');
  });
});

describe('cache values and keys', () => {
  const cache = createCache({ URL: `locmem://${uniqueName()}` });

  it.each([
    [new Map([['a', 1]]), /cache\.set\('k'\)'s value is a Map, which JSON cannot hold — store Object\.fromEntries\(map\)/],
    [{ list: [1, () => 2] }, /cache\.set\('k'\)'s value\.list\[1\] is a function, which JSON cannot hold/],
    [{ n: Number.NaN }, /value\.n is NaN, which JSON cannot hold — JSON has no NaN or Infinity/],
    [undefined, /value is undefined, which JSON cannot hold — store null/],
    [10n, /is a bigint, which JSON cannot hold — store it as a string/],
    [new (class Point { x = 1 })(), /is a Point, which JSON cannot hold — store a plain object of its fields/],
  ])('refuses %o with a message that says where and what to do', async (value, message) => {
    await expect(cache.set('k', value)).rejects.toThrow(CacheValueError);
    await expect(cache.set('k', value)).rejects.toThrow(message);
  });

  it('refuses a cycle, and takes a Date as its ISO string', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(cache.set('k', cyclic)).rejects.toThrow(/value\.self refers back to itself/);
    await cache.set('when', { at: new Date('2026-01-02T03:04:05Z') });
    expect(await cache.get('when')).toEqual({ at: '2026-01-02T03:04:05.000Z' });
  });

  it('refuses an empty or too long key, saying how to make a short one', async () => {
    await expect(cache.get('')).rejects.toThrow(/non-empty string/);
    await expect(cache.get('k'.repeat(300))).rejects.toThrow(/over 250 — hash long input/);
  });

  it('refuses a cache URL it does not know', () => {
    expect(() => createCache({ URL: 'memcached://x' })).toThrow(/unknown scheme 'memcached:\/\/' — use locmem:\/\//);
    expect(() => createCache({ URL: 'db://no-such/alias' })).toThrow(/db:\/\/ takes a DATABASES alias/);
  });
});

describe('a cache whose store is down', () => {
  it.each([
    ['db://down', 'a database'],
    ['redis://127.0.0.1:9/0?timeout=1', 'a Redis server'],
  ])('%s (%s that does not answer) is a miss, skips writes, lets counts through, and warns once', async (url) => {
    const warnings: string[] = [];
    vi.spyOn(logger, 'warning').mockImplementation((message: string) => void warnings.push(message));
    try {
      const cache = createCache({ URL: url }, "CACHES['x']");
      expect(await cache.get('k')).toBeUndefined();
      await cache.set('k', 1);
      expect(await cache.add('k', 1)).toBe(false);
      expect(await cache.incr('k')).toBeUndefined();
      expect(await cache.count('k', { ttl: 60 })).toBe(1);
      expect(await cache.getOrSet('k', () => 'computed')).toBe('computed');
      expect(Object.fromEntries(await cache.getMany(['a', 'b']))).toEqual({});
      const mine = warnings.filter((line) => line.startsWith("The cache CACHES['x']"));
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatch(/is unavailable: .+; treating a read as a miss, and saying so again in 30 s if it still is$/);
    } finally {
      vi.restoreAllMocks();
    }
  }, 60_000);
});

describe('a Redis server that stops answering', () => {
  it.skipIf(!REDIS_SERVER && !SERVICES_REQUIRED)('is a miss after the URL\'s timeout, not a hung request, and is used again once it answers', async () => {
    const port = await freePort();
    const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const warnings: string[] = [];
    try {
      const url = `redis://127.0.0.1:${port}/0?timeout=1`;
      await whenReady(await redisClient(url), url, 10_000);
      const cache = createCache({ URL: url }, "CACHES['stalled']");
      await cache.set('k', 'v');
      expect(await cache.get('k')).toBe('v');
      vi.spyOn(logger, 'warning').mockImplementation((message: string) => void warnings.push(message));
      server.kill('SIGSTOP');
      expect(await cache.get('k')).toBeUndefined();
      expect(warnings.filter((line) => line.startsWith("The cache CACHES['stalled']"))[0]).toMatch(/is unavailable: no answer within 1 s/);
      server.kill('SIGCONT');
      await vi.waitFor(async () => expect(await cache.get('k')).toBe('v'), { timeout: 10_000, interval: 200 });
    } finally {
      vi.restoreAllMocks();
      server.kill('SIGKILL');
    }
  }, 60_000);
});
