/**
 * The shared Redis connections: URLs, one client per URL, and a client that
 * survives a server that is down (commands fail at once, no crash, one
 * warning) and recovers when it comes back — against a real redis-server.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../../src/runtime/logging/index.js';
import { closeRedis, parseRedisUrl, redisClient, RedisUrlError, whenReady } from '../../src/runtime/redis/index.js';
import { freePort } from '../helpers/process.js';

const REDIS_URL = process.env.TSGATE_TEST_REDIS_URL || 'redis://127.0.0.1:6379/15';
const SERVICES_REQUIRED = process.env.TSGATE_REQUIRE_SERVICES === '1';
const REDIS_SERVER = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;

describe('redis:// URLs', () => {
  it('read host, port, database, TLS and the connect timeout', () => {
    expect(parseRedisUrl('redis://127.0.0.1')).toMatchObject({ url: 'redis://127.0.0.1', host: '127.0.0.1', port: 6379, db: 0, tls: false, connectTimeout: 5 });
    expect(parseRedisUrl('rediss://app:s3cret@cache.internal:6380/2?timeout=1.5')).toMatchObject({
      url: 'rediss://app:s3cret@cache.internal:6380/2', tls: true, port: 6380, db: 2, connectTimeout: 1.5, label: 'rediss://app:***@cache.internal:6380/2',
    });
  });

  it.each([
    ['http://x', /unknown scheme 'http:'/],
    ['redis://', /needs a host/],
    ['redis://h/cache', /must be a database number/],
    ['redis://h?timeout=0', /must be a number of seconds above 0/],
    ['redis://h?db=1', /unknown option \?db=/],
    ['nonsense', /not a URL/],
  ])('refuse %s, saying what to write', (url, message) => {
    expect(() => parseRedisUrl(url)).toThrow(RedisUrlError);
    expect(() => parseRedisUrl(url)).toThrow(message);
  });
});

describe('a Redis client', () => {
  const servers: ChildProcess[] = [];
  afterEach(async () => {
    vi.restoreAllMocks();
    await closeRedis();
  });
  afterAll(() => servers.forEach((server) => server.kill('SIGKILL')));

  it('is shared per URL, and its own with { dedicated: true }', async () => {
    const a = await redisClient(REDIS_URL);
    const b = await redisClient(REDIS_URL);
    const own = await redisClient(REDIS_URL, { dedicated: true });
    expect(a).toBe(b);
    expect(own).not.toBe(a);
    // Calls made at once, before the first has its client, share one (each used to make its own, never closed).
    const [c, d] = await Promise.all([redisClient(`${REDIS_URL}?timeout=2`), redisClient(`${REDIS_URL}?timeout=2`)]);
    expect(c).toBe(d);
    try {
      await whenReady(a, REDIS_URL, 5000);
    } catch (error) {
      if (SERVICES_REQUIRED) throw error;
      return;
    }
    await a.set('tsgate:test:shared', 'yes', { EX: 10 });
    await whenReady(own, REDIS_URL, 5000);
    expect(await own.get('tsgate:test:shared')).toBe('yes');
  });

  it.skipIf(!REDIS_SERVER && !SERVICES_REQUIRED)('fails commands at once while the server is down, warns once, and recovers when it is back', async () => {
    const warnings: string[] = [];
    vi.spyOn(logger, 'warning').mockImplementation((message: string) => void warnings.push(message));
    const infos: string[] = [];
    vi.spyOn(logger, 'info').mockImplementation((message: string) => void infos.push(message));
    const port = await freePort();
    const client = await redisClient(`redis://127.0.0.1:${port}/0?timeout=1`);
    await expect(client.get('x')).rejects.toThrow(/offline|closed/i);
    // Retries go on in the background; the log gets one line, not one per retry.
    await vi.waitFor(() => expect(warnings).toHaveLength(1), { timeout: 5000 });
    expect(warnings[0]).toMatch(new RegExp(`^Redis at redis://127\\.0\\.0\\.1:${port}/0 is unavailable: `));
    const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    servers.push(server);
    await whenReady(client, 'test', 10_000);
    expect(await client.ping()).toBe('PONG');
    expect(infos).toContain(`Redis at redis://127.0.0.1:${port}/0 is available again`);
    expect(warnings).toHaveLength(1);
  });

  it('says which server did not answer in time', async () => {
    const port = await freePort();
    const client = await redisClient(`redis://user:pw@127.0.0.1:${port}/0`, { dedicated: true });
    vi.spyOn(logger, 'warning').mockImplementation(() => undefined);
    await expect(whenReady(client, `redis://user:***@127.0.0.1:${port}/0`, 300)).rejects.toThrow(/^Redis at redis:\/\/user:\*\*\*@127\.0\.0\.1:\d+\/0 did not answer within 0.3 s/);
  });
});
