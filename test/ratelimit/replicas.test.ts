/**
 * One limit shared by every replica: four `manage serve -w 2` servers of one
 * project (eight workers, as four containers) count one client against
 * `50/30d` in one cache, on Redis and on PostgreSQL (the tsgate_cache table
 * that `manage migrate` makes with 'tsgate.cache' installed). Of 200
 * requests spread over the four, exactly 50 pass and 150 get 429.
 */
import { describe, expect, it } from 'vitest';
import { adminQuery, backend, POSTGRES_ADMIN_URL, unavailable, withDatabase } from '../db/services.js';
import { runtimeModule, serveProject, servingFiles, TestProject, useProjects } from '../db/project.js';
import { request } from '../server/helpers.js';
import { REDIS_URL, uniqueName } from '../cache/stores.js';
import { closeRedis, redisClient, whenReady } from '../../src/runtime/redis/index.js';
import { SERVICES_REQUIRED } from '../db/services.js';

useProjects();

const SERVERS = 4;
const REQUESTS = 200;
const LIMIT = 50;

function project(env: Record<string, string>): TestProject {
  return new TestProject({
    apps: ['tsgate.cache'],
    env,
    files: {
      'urls.mjs': `import { path, text } from ${JSON.stringify(runtimeModule('http/index.js'))};
import { rateLimit } from ${JSON.stringify(runtimeModule('ratelimit/index.js'))};
export const urlpatterns = [path('limited/', rateLimit({ key: 'ip', rate: '${LIMIT}/30d' })(() => text('ok')))];
`,
      ...servingFiles('export const CACHES = { default: { URL: process.env.CACHE_URL, KEY_PREFIX: process.env.CACHE_PREFIX } };\n'),
    },
  });
}

/** Sends `total` GETs, `parallel` at a time, to the ports in turn; the statuses, by count. */
async function hammer(ports: readonly number[], total: number, parallel = 16): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < total) {
        const port = ports[next++ % ports.length] as number;
        const reply = await request({ port, path: '/limited/', timeout: 60_000 });
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
      }
    }),
  );
  return statuses;
}

async function shareOneLimit(env: Record<string, string>): Promise<void> {
  const site = project(env);
  const migrated = await site.manage(['migrate']);
  expect(migrated.status, migrated.output).toBe(0);
  expect(migrated.stdout).toContain('Applying cache.0001_initial... OK');
  const servers = await Promise.all(Array.from({ length: SERVERS }, () => serveProject(site)));
  const statuses = await hammer(servers.map((server) => server.port), REQUESTS);
  expect(Object.fromEntries(statuses)).toEqual({ 200: LIMIT, 429: REQUESTS - LIMIT });
  for (const { server } of servers) expect(server.count('exited with'), server.stderr).toBe(0);
}

describe(`rate limits across ${SERVERS} servers × 2 workers`, () => {
  describe('on PostgreSQL (db://default)', () => {
    const postgres = backend('postgres');
    if (unavailable(postgres)) return;
    it('let exactly the limit through', { timeout: 300_000 }, async () => {
      const name = uniqueName();
      await adminQuery('postgres', `create database ${name}`);
      try {
        await shareOneLimit({ DATABASE_URL: withDatabase(POSTGRES_ADMIN_URL, name), CACHE_URL: 'db://default', CACHE_PREFIX: name });
      } finally {
        await adminQuery('postgres', `drop database if exists ${name} with (force)`).catch(() => undefined);
      }
    });
  });

  describe('on Redis', () => {
    it('let exactly the limit through', { timeout: 300_000 }, async ({ skip }) => {
      try {
        await whenReady(await redisClient(REDIS_URL), REDIS_URL, 5000);
      } catch (error) {
        if (SERVICES_REQUIRED) throw error;
        skip(String(error));
      } finally {
        await closeRedis();
      }
      const prefix = uniqueName();
      await shareOneLimit({ DATABASE_URL: 'sqlite:///db.sqlite3', CACHE_URL: REDIS_URL, CACHE_PREFIX: prefix });
    });
  });
});
