/** The CACHES and CACHE_MIDDLEWARE_* settings: checked when the settings load, each problem naming the setting and the fix. */
import { describe, expect, it } from 'vitest';
import { checkSettings } from '../../src/runtime/conf/checks.js';
import { parseCacheUrl } from '../../src/runtime/conf/cache-url.js';
import { DEFAULTS } from '../../src/runtime/conf/defaults.js';

function problems(overrides: Record<string, unknown>): string[] {
  return checkSettings({ ...DEFAULTS, ROOT_URLCONF: 'site.urls', WSGI_APPLICATION: 'site.wsgi:application', ...overrides });
}

describe('cache URLs', () => {
  it.each([
    ['locmem://', { backend: 'locmem', name: '' }],
    ['locmem://sessions', { backend: 'locmem', name: 'sessions' }],
    ['db://', { backend: 'db', alias: 'default' }],
    ['db://replica', { backend: 'db', alias: 'replica' }],
    ['dummy://', { backend: 'dummy' }],
    ['rediss://app:s3cret@cache:6380/1', { backend: 'redis', label: 'rediss://app:***@cache:6380/1' }],
  ])('read %s', (url, target) => {
    expect(parseCacheUrl(url)).toMatchObject(target);
  });
});

describe('CACHES', () => {
  it('defaults to one locmem cache, which passes', () => {
    expect(DEFAULTS.CACHES).toEqual({ default: { URL: 'locmem://' } });
    expect(problems({})).toEqual([]);
  });

  it('reports each problem with the fix, never echoing a URL (it may hold a password)', () => {
    expect(problems({ CACHES: {} })).toEqual([`CACHES must define 'default' — e.g. CACHES = { default: { URL: env.str('CACHE_URL', 'locmem://') } }`]);
    expect(problems({ CACHES: { default: { URL: 'memcached://:hunter2@x' } } })).toEqual([
      "CACHES.default.URL is not usable: unknown scheme 'memcached://' — use locmem://, redis://host:6379/0, rediss://…, db://default or dummy://",
    ]);
    expect(problems({ CACHES: { default: { URL: 'redis://:hunter2@cache/zero' } } })[0]).not.toContain('hunter2');
    expect(problems({ CACHES: { default: { URL: 'locmem://', TIMOUT: 5, VERSION: 1.5, TIMEOUT: -1, MAX_ENTRIES: 0 } } })).toEqual([
      'CACHES.default.TIMOUT is not a cache option — did you mean TIMEOUT?',
      'CACHES.default.TIMEOUT must be seconds (0 or more), or null to keep values until evicted, got -1',
      'CACHES.default.VERSION must be a whole number, got 1.5',
      'CACHES.default.MAX_ENTRIES must be a whole number of at least 1, got 0',
    ]);
  });

  it("asks for 'tsgate.cache' in INSTALLED_APPS and a DATABASES alias for db://", () => {
    expect(problems({ CACHES: { default: { URL: 'db://default' } } })).toEqual([
      "CACHES.default.URL is db://default, which keeps the cache in the tsgate_cache table — add 'tsgate.cache' to INSTALLED_APPS so that manage migrate creates it",
    ]);
    expect(problems({ INSTALLED_APPS: ['tsgate.cache'], CACHES: { default: { URL: 'db://other' } } })).toEqual(["CACHES.default.URL is db://other, but DATABASES has no 'other'"]);
    expect(problems({ INSTALLED_APPS: ['tsgate.cache'], CACHES: { default: { URL: 'db://default' } } })).toEqual([]);
  });

  it('checks the cache middleware settings', () => {
    expect(problems({ CACHE_MIDDLEWARE_ALIAS: 'pages', CACHE_MIDDLEWARE_SECONDS: -5 })).toEqual([
      "CACHE_MIDDLEWARE_ALIAS must name a cache in CACHES, got \"pages\" — e.g. CACHE_MIDDLEWARE_ALIAS = 'default'",
      'CACHE_MIDDLEWARE_SECONDS must be a whole number of seconds, 0 or more, got -5 — e.g. CACHE_MIDDLEWARE_SECONDS = 600',
    ]);
  });
});

describe("the 'tsgate.cache' app", () => {
  it('passes the installed-app checks (it lives in the tsgate package), where an unknown tsgate app does not', async () => {
    const { checkInstalledApps, checkMigrationsFolders } = await import('../../src/runtime/checks/index.js');
    const settings = { ...DEFAULTS, ROOT_URLCONF: 'site.urls', WSGI_APPLICATION: 'site.wsgi:application', BASE_DIR: '/nonexistent', INSTALLED_APPS: ['tsgate.cache', 'tsgate.nope'] };
    const messages = checkInstalledApps(settings);
    expect(messages.map((message) => [message.id, message.obj])).toEqual([['apps.E001', 'tsgate.nope']]);
    expect(messages[0]?.hint).toMatch(/^This tsgate has no app 'tsgate\.nope'/);
    expect(checkMigrationsFolders(settings)).toEqual([]);
  });
});
