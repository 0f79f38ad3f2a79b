/**
 * Each deployment check, called with a settings object: it fires on a bad
 * value and stays quiet on a good one, with Django's ID, a text and a hint.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/runtime/conf/defaults.js';
import type { Settings } from '../../src/runtime/conf/types.js';
import {
  checkAllowedHosts,
  checkContentTypeNosniff,
  checkCsrfCookieSecure,
  checkDebug,
  checkEmailBackend,
  checkHsts,
  checkLocmemCache,
  checkMetricsBind,
  checkSecretKey,
  checkSessionCookieSecure,
  checkSqliteInProduction,
  checkSslRedirect,
  checkXFrameOptions,
  DEPLOY_CHECKS,
  isSecureSecretKey,
  type CheckMessage,
} from '../../src/runtime/checks/index.js';

const GOOD_KEY = 'q8Zk2vN3xW9pLr5tYb7HcJ4mFd6sGa1eUo0iKz-_RTyQwXn2VbMl';

/** Production settings every deployment check accepts, with `overrides` on top. */
function settingsWith(overrides: Partial<Settings> = {}): Settings {
  return {
    ...DEFAULTS,
    ROOT_URLCONF: 'site.urls',
    WSGI_APPLICATION: 'site.wsgi:application',
    DEBUG: false,
    SECRET_KEY: GOOD_KEY,
    ALLOWED_HOSTS: ['example.com'],
    DATABASES: { default: { URL: 'postgres://user:pw@db:5432/site' } },
    SECURE_HSTS_SECONDS: 31536000,
    SECURE_SSL_REDIRECT: true,
    SESSION_COOKIE_SECURE: true,
    CSRF_COOKIE_SECURE: true,
    EMAIL_URL: 'smtp://site:pw@smtp.example.com:587',
    CACHES: { default: { URL: 'redis://cache:6379/0' } },
    ...overrides,
  };
}

type Case = readonly [id: string, check: (settings: Readonly<Settings>) => CheckMessage[], bad: readonly Partial<Settings>[], good: readonly Partial<Settings>[]];

const CASES: readonly Case[] = [
  ['security.W018', checkDebug, [{ DEBUG: true }], [{ DEBUG: false }]],
  [
    'security.W009',
    checkSecretKey,
    [
      { SECRET_KEY: '' },
      { SECRET_KEY: GOOD_KEY.slice(0, 49) },
      { SECRET_KEY: 'abcd'.repeat(20) },
      { SECRET_KEY: `django-insecure-${GOOD_KEY}` },
      { SECRET_KEY: `dev-${GOOD_KEY}` },
      { SECRET_KEY: 'change-me-to-a-long-random-string' },
    ],
    [{ SECRET_KEY: GOOD_KEY }, { SECRET_KEY: GOOD_KEY.slice(0, 50) }, { SECRET_KEY: 'abcde'.repeat(10) }],
  ],
  ['security.W020', checkAllowedHosts, [{ ALLOWED_HOSTS: [] }], [{ ALLOWED_HOSTS: ['example.com'] }, { ALLOWED_HOSTS: ['*'] }]],
  ['security.W004', checkHsts, [{ SECURE_HSTS_SECONDS: 0 }], [{ SECURE_HSTS_SECONDS: 3600 }]],
  ['security.W008', checkSslRedirect, [{ SECURE_SSL_REDIRECT: false }], [{ SECURE_SSL_REDIRECT: true }]],
  ['security.W012', checkSessionCookieSecure, [{ SESSION_COOKIE_SECURE: false }], [{ SESSION_COOKIE_SECURE: true }]],
  ['security.W016', checkCsrfCookieSecure, [{ CSRF_COOKIE_SECURE: false }], [{ CSRF_COOKIE_SECURE: true }]],
  ['security.W019', checkXFrameOptions, [{ X_FRAME_OPTIONS: 'SAMEORIGIN' }], [{ X_FRAME_OPTIONS: 'DENY' }]],
  ['security.W006', checkContentTypeNosniff, [{ SECURE_CONTENT_TYPE_NOSNIFF: false }], [{ SECURE_CONTENT_TYPE_NOSNIFF: true }]],
  [
    'database.W001',
    checkSqliteInProduction,
    [{ DATABASES: { default: { URL: 'sqlite:///db.sqlite3' } } }, { DATABASES: { default: { URL: 'sqlite:////var/lib/site/db.sqlite3' } } }],
    [
      { DATABASES: { default: { URL: 'postgres://user:pw@db:5432/site' } } },
      { DATABASES: { default: { URL: 'mysql://user:pw@db:3306/site' } } },
      // In development SQLite is the default, and DEBUG is reported by security.W018.
      { DEBUG: true, DATABASES: { default: { URL: 'sqlite:///db.sqlite3' } } },
    ],
  ],
  [
    'mail.W001',
    checkEmailBackend,
    [{ EMAIL_URL: 'console://' }, { EMAIL_URL: 'memory://' }],
    [
      { EMAIL_URL: 'smtps://site:pw@smtp.example.com:465' },
      { EMAIL_URL: 'file:///var/mail/site' },
      // In development the console is the default, and DEBUG is reported by security.W018.
      { DEBUG: true, EMAIL_URL: 'console://' },
    ],
  ],
  [
    'cache.W001',
    checkLocmemCache,
    [{ CACHES: { default: { URL: 'locmem://' } } }, { CACHES: { default: { URL: 'db://default' }, local: { URL: 'locmem://sessions' } } }],
    [
      { CACHES: { default: { URL: 'db://default' } } },
      { CACHES: { default: { URL: 'rediss://:pw@cache:6380/0' }, off: { URL: 'dummy://' } } },
      // In development locmem is the default, and DEBUG is reported by security.W018.
      { DEBUG: true, CACHES: { default: { URL: 'locmem://' } } },
    ],
  ],
  // Reads METRICS_BIND from the environment: its cases are below.
  ['metrics.W001', checkMetricsBind, [], []],
];

describe('metrics.W001', () => {
  it.each(['0.0.0.0:9100', '9100', ':9100', '[::]:9100', '10.0.0.5:9100', 'metrics.example.com:9100'])('fires on METRICS_BIND=%s', (address) => {
    const [message, ...rest] = checkMetricsBind(settingsWith(), { METRICS_BIND: address });
    expect(rest).toEqual([]);
    expect(message).toMatchObject({ id: 'metrics.W001', level: 'WARNING' });
    expect(message?.text).toContain(address);
    expect(message?.hint).toContain('127.0.0.1');
  });

  it.each(['127.0.0.1:9100', '[::1]:9100', 'localhost:9100', 'unix:/run/metrics.sock', ''])('stays quiet on METRICS_BIND=%s', (address) => {
    expect(checkMetricsBind(settingsWith(), { METRICS_BIND: address })).toEqual([]);
  });

  it('stays quiet when METRICS_BIND is not set (no metrics served)', () => {
    expect(checkMetricsBind(settingsWith(), {})).toEqual([]);
  });
});

describe('deployment checks', () => {
  for (const [id, check, bad, good] of CASES) {
    if (bad.length === 0) continue; // tested on its own below
    describe(id, () => {
      it.each(bad.map((overrides) => [JSON.stringify(overrides), overrides] as const))('fires on %s', (_, overrides) => {
        const messages = check(settingsWith(overrides));
        expect(messages).toHaveLength(1);
        const [message] = messages;
        expect(message).toMatchObject({ id, level: 'WARNING' });
        expect(message?.text.length).toBeGreaterThan(20);
        expect(message?.hint?.length).toBeGreaterThan(10);
      });

      it.each(good.map((overrides) => [JSON.stringify(overrides), overrides] as const))('stays quiet on %s', (_, overrides) => {
        expect(check(settingsWith(overrides))).toEqual([]);
      });
    });
  }

  it('all stay quiet on good production settings', () => {
    const settings = settingsWith();
    expect(DEPLOY_CHECKS.flatMap(([check]) => check(settings))).toEqual([]);
  });

  it("all fire on tsgate's defaults (with DEBUG false), but for the ones whose default is safe", () => {
    const settings: Settings = { ...DEFAULTS, ROOT_URLCONF: 'site.urls', WSGI_APPLICATION: 'site.wsgi:application' };
    const ids = DEPLOY_CHECKS.flatMap(([check]) => check(settings)).map((message) => message.id);
    expect(ids.sort()).toEqual(['cache.W001', 'database.W001', 'mail.W001', 'security.W004', 'security.W008', 'security.W009', 'security.W012', 'security.W016', 'security.W020']);
  });

  it('every check is listed once, with its tag', () => {
    expect(new Set(DEPLOY_CHECKS.map(([check]) => check)).size).toBe(CASES.length);
    for (const [id, check] of CASES) {
      const tag = DEPLOY_CHECKS.find(([listed]) => listed === check)?.[1];
      expect(tag, id).toBe(id.split('.')[0]);
    }
  });

  it('cache.W001 stays quiet with one worker (WEB_CONCURRENCY=1) and names the caches and the worker count', () => {
    const local = settingsWith({ CACHES: { default: { URL: 'locmem://' } } });
    expect(checkLocmemCache(local, { WEB_CONCURRENCY: '1' })).toEqual([]);
    const [message] = checkLocmemCache(local, { WEB_CONCURRENCY: '4' });
    expect(message?.text).toMatch(/^CACHES\['default'\] is locmem:\/\/ while DEBUG is false and several workers serve \(WEB_CONCURRENCY is 4\)/);
    expect(message?.hint).toMatch(/CACHE_URL=redis:\/\/host:6379\/0, or CACHE_URL=db:\/\/default/);
  });

  it('uses Django\'s wording for the secret key, naming the development prefixes and the placeholder', () => {
    const [message] = checkSecretKey(settingsWith({ SECRET_KEY: 'short' }));
    expect(message?.text).toMatch(/^Your SECRET_KEY has less than 50 characters, less than 5 unique characters, is prefixed with 'django-insecure-' or 'dev-'/);
    expect(message?.text).toContain('.env.example');
    // The key itself is never shown.
    expect(JSON.stringify(checkSecretKey(settingsWith({ SECRET_KEY: `dev-${GOOD_KEY}` })))).not.toContain(GOOD_KEY);
    expect(isSecureSecretKey(undefined)).toBe(false);
  });
});
