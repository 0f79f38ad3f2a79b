import { describe, expect, it } from 'vitest';
import { checkExportNames, checkSettings, closestName, editDistance, servingProblems } from '../../src/runtime/conf/checks.js';
import { DEFAULTS, KNOWN_SETTINGS } from '../../src/runtime/conf/defaults.js';

/** Production-valid settings: each test changes one thing. */
const VALID: Record<string, unknown> = {
  ...DEFAULTS,
  DEBUG: false,
  SECRET_KEY: 'a-long-random-secret-key-0123456789',
  ALLOWED_HOSTS: ['example.com'],
  ROOT_URLCONF: 'site.urls',
  WSGI_APPLICATION: 'site.wsgi:application',
};

function problems(overrides: Record<string, unknown>): string[] {
  return checkSettings({ ...VALID, ...overrides });
}

const middleware = () => () => Promise.reject(new Error('not called'));

describe('checkSettings', () => {
  it('accepts the defaults with the settings that have none', () => {
    expect(problems({})).toEqual([]);
    expect(checkSettings({ ...DEFAULTS, DEBUG: true, ROOT_URLCONF: 'site.urls', WSGI_APPLICATION: 'site.wsgi:application' })).toEqual([]);
  });

  it('accepts every form a setting may take', () => {
    expect(
      problems({
        CSRF_TRUSTED_ORIGINS: ['https://example.com', 'http://localhost:8000'],
        INSTALLED_APPS: ['pages', 'blog'],
        MIDDLEWARE: [middleware],
        BASE_DIR: '/srv/site',
        DATABASES: { default: { URL: 'postgres://u:p@db:5432/site', OPTIONS: { max: 10 } }, replica: { URL: 'mysql://u@db2/site' } },
        STATIC_URL: 'https://cdn.example.com/static/',
        STATIC_ROOT: '/srv/site/staticfiles',
        STATICFILES_DIRS: ['/srv/site/static', ['vendor', '/srv/site/vendor']],
        TEMPLATES: [{ BACKEND: 'handlebars', NAME: 'main', DIRS: ['/srv/site/templates'], APP_DIRS: true, OPTIONS: {} }],
        LOG_LEVEL: 'warning',
        SECURE_HSTS_SECONDS: 31536000,
        SECURE_REFERRER_POLICY: 'no-referrer, strict-origin-when-cross-origin',
        SECURE_CROSS_ORIGIN_OPENER_POLICY: undefined,
        X_FRAME_OPTIONS: 'SAMEORIGIN',
        SESSION_COOKIE_SAMESITE: 'None',
        SESSION_COOKIE_SECURE: true,
        CSRF_COOKIE_SAMESITE: false,
      }),
    ).toEqual([]);
  });

  it('checks every known setting: a value of the wrong kind is reported by name', () => {
    for (const name of KNOWN_SETTINGS) {
      const found = problems({ [name]: Symbol('wrong') });
      expect(found.length, `${name}: ${found.join(' | ')}`).toBeGreaterThan(0);
      expect(found.some((problem) => problem.startsWith(name)), `${name}: ${found.join(' | ')}`).toBe(true);
    }
  });

  it('reports every problem at once', () => {
    const found = problems({ DEBUG: 'no', SECRET_KEY: 1, ALLOWED_HOSTS: [], STATIC_URL: '/static', LOG_LEVEL: 'loud', ALLOWED_HOST: [] });
    expect(found).toHaveLength(5);
  });

  const rules: [string, Record<string, unknown>, string | RegExp][] = [
    ['DEBUG is a boolean', { DEBUG: 'false' }, `DEBUG must be true or false, got "false" — e.g. DEBUG = env.bool('DEBUG', false)`],
    ['SECRET_KEY is a string, and its value is never shown', { SECRET_KEY: 12345 }, "SECRET_KEY must be a string, got a number — e.g. SECRET_KEY = env.str('SECRET_KEY')"],
    ['ALLOWED_HOSTS is a list', { ALLOWED_HOSTS: 'example.com' }, `ALLOWED_HOSTS must be a list of strings, got "example.com" — e.g. ALLOWED_HOSTS = env.list('ALLOWED_HOSTS', [])`],
    ['ALLOWED_HOSTS holds strings', { ALLOWED_HOSTS: ['example.com', 8000] }, 'ALLOWED_HOSTS[1] must be a string, got 8000'],
    ['ALLOWED_HOSTS holds host names, not URLs', { ALLOWED_HOSTS: ['https://example.com'] }, /^ALLOWED_HOSTS entry "https:\/\/example.com" is not a host name — list host names only/],
    ['ALLOWED_HOSTS has no empty entry', { ALLOWED_HOSTS: ['example.com', ' '] }, 'ALLOWED_HOSTS has an empty entry — remove it'],
    ['CSRF_TRUSTED_ORIGINS is a list', { CSRF_TRUSTED_ORIGINS: 'https://example.com' }, /^CSRF_TRUSTED_ORIGINS must be a list of strings/],
    ['CSRF_TRUSTED_ORIGINS entries start with a scheme', { CSRF_TRUSTED_ORIGINS: ['example.com'] }, 'CSRF_TRUSTED_ORIGINS entry "example.com" must start with http:// or https:// — e.g. https://example.com'],
    ['CSRF_TRUSTED_ORIGINS entries are http or https', { CSRF_TRUSTED_ORIGINS: ['ftp://files.example.com'] }, 'CSRF_TRUSTED_ORIGINS entry "ftp://files.example.com" must start with http:// or https:// — e.g. https://files.example.com'],
    ['INSTALLED_APPS is a list of strings', { INSTALLED_APPS: ['pages', null] }, 'INSTALLED_APPS[1] must be a string, got null'],
    ['INSTALLED_APPS lists each app once', { INSTALLED_APPS: ['pages', 'pages'] }, 'INSTALLED_APPS lists "pages" twice — remove one'],
    ['MIDDLEWARE is a list', { MIDDLEWARE: middleware }, /^MIDDLEWARE must be a list of middleware functions, got a function/],
    ['MIDDLEWARE holds functions', { MIDDLEWARE: [middleware, 'tsgate.middleware.security'] }, 'MIDDLEWARE[1] must be a middleware function, got "tsgate.middleware.security" — import the middleware and list the function itself'],
    ['ROOT_URLCONF names a module', { ROOT_URLCONF: '' }, `ROOT_URLCONF must name a module, got "" — e.g. ROOT_URLCONF = 'mysite.urls'`],
    ['ROOT_URLCONF is required', { ROOT_URLCONF: undefined }, `ROOT_URLCONF must name a module, got undefined — e.g. ROOT_URLCONF = 'mysite.urls'`],
    ['WSGI_APPLICATION is MODULE:NAME', { WSGI_APPLICATION: 'site.wsgi.application' }, `WSGI_APPLICATION must be MODULE:NAME, got "site.wsgi.application" — e.g. WSGI_APPLICATION = 'mysite.wsgi:application'`],
    ['BASE_DIR is a path', { BASE_DIR: '' }, /^BASE_DIR must be a folder path, got ""/],
    ['DATABASES is an object', { DATABASES: 'sqlite:///db.sqlite3' }, /^DATABASES must be an object of connections by alias, got a string/],
    ['DATABASES defines default', { DATABASES: { main: { URL: 'sqlite:///db.sqlite3' } } }, /^DATABASES must define 'default'/],
    ['DATABASES entries are objects', { DATABASES: { default: 'sqlite:///db.sqlite3' } }, /^DATABASES\.default must be an object with a URL, got a string/],
    ['DATABASES URL is a string', { DATABASES: { default: { URL: new URL('sqlite:///db.sqlite3') } } }, `DATABASES.default.URL must be a string, got a URL object — add .href, e.g. env.url('DATABASE_URL', 'sqlite:///db.sqlite3').href`],
    ['DATABASES URL is a URL, its password not shown', { DATABASES: { default: { URL: 'postgres://user:hunter2@db:notaport/site' } } }, /^DATABASES\.default\.URL is not usable: it is not a valid URL — set it to a URL such as sqlite:\/\/\/db\.sqlite3/],
    ['DATABASES URL names a database', { DATABASES: { default: { URL: 'postgres://user:hunter2@db:5432/' } } }, /^DATABASES\.default\.URL is not usable: it names no database/],
    ['DATABASES SQLite URL names a file', { DATABASES: { default: { URL: 'sqlite://' } } }, /^DATABASES\.default\.URL is not usable: a SQLite URL names a file/],
    ['DATABASES sslmode is known', { DATABASES: { default: { URL: 'postgres://u:hunter2@db/site?sslmode=sometimes' } } }, /^DATABASES\.default\.URL is not usable: sslmode=sometimes is not one of disable, allow, prefer, require/],
    ['DATABASES POOL_SIZE is a whole number', { DATABASES: { default: { URL: 'sqlite:///db.sqlite3', POOL_SIZE: 0 } } }, 'DATABASES.default.POOL_SIZE must be a whole number of at least 1, got 0'],
    ['DATABASES URL has a supported scheme', { DATABASES: { default: { URL: 'redis://cache:6379' } } }, /^DATABASES\.default\.URL is not usable: the scheme "redis" is not one tsgate connects to/],
    ['DATABASES URL is text', { DATABASES: { default: { URL: 5432 } } }, /^DATABASES\.default\.URL must be a string, got a number — set it to a URL such as/],
    ['DATABASES OPTIONS is an object', { DATABASES: { default: { URL: 'sqlite:///db.sqlite3', OPTIONS: [] } } }, 'DATABASES.default.OPTIONS must be an object, got a list'],
    ['STATICFILES_KEEP_ONLY_HASHED is a boolean', { STATICFILES_KEEP_ONLY_HASHED: 'yes' }, /^STATICFILES_KEEP_ONLY_HASHED must be true or false, got "yes"/],
    ['READYZ_WAITS_FOR_MIGRATIONS is a boolean', { READYZ_WAITS_FOR_MIGRATIONS: 'no' }, `READYZ_WAITS_FOR_MIGRATIONS must be true or false, got "no" — e.g. READYZ_WAITS_FOR_MIGRATIONS = env.bool('READYZ_WAITS_FOR_MIGRATIONS', false)`],
    ['STATIC_URL is a prefix', { STATIC_URL: '' }, `STATIC_URL must be a URL prefix, got "" — e.g. STATIC_URL = '/static/'`],
    ['STATIC_URL ends with a slash', { STATIC_URL: '/static' }, 'STATIC_URL must end with a slash, got "/static" — use "/static/"'],
    ['STATIC_ROOT is a path or undefined', { STATIC_ROOT: false }, /^STATIC_ROOT must be a folder path, or undefined when static files are not collected, got false/],
    ['STATICFILES_DIRS is a list', { STATICFILES_DIRS: '/srv/static' }, /^STATICFILES_DIRS must be a list of folders, got "\/srv\/static"/],
    ['STATICFILES_DIRS holds folders', { STATICFILES_DIRS: [42] }, /^STATICFILES_DIRS\[0\] must be a folder path or a \[prefix, folder\] pair, got 42/],
    ['STATICFILES_DIRS pairs are [prefix, folder]', { STATICFILES_DIRS: [['vendor']] }, 'STATICFILES_DIRS[0] must be a folder or a [prefix, folder] pair of strings, got a list of 1'],
    ['STATICFILES_DIRS prefixes do not end with a slash', { STATICFILES_DIRS: [['vendor/', '/srv/vendor']] }, 'STATICFILES_DIRS[0] has the prefix "vendor/", which must not end with a slash — use "vendor"'],
    ['STATICFILES_DIRS does not hold STATIC_ROOT', { STATIC_ROOT: '/srv/site/staticfiles', STATICFILES_DIRS: ['/srv/site/staticfiles/'] }, /^STATICFILES_DIRS\[0\] is STATIC_ROOT — collectstatic writes into STATIC_ROOT/],
    ['TEMPLATES is a list', { TEMPLATES: { DIRS: [] } }, /^TEMPLATES must be a list of template engines, got an object/],
    ['TEMPLATES entries are objects', { TEMPLATES: ['handlebars'] }, /^TEMPLATES\[0\] must be an object, got "handlebars"/],
    ['TEMPLATES keys are known, with a suggestion', { TEMPLATES: [{ APPS_DIR: true }] }, 'TEMPLATES[0].APPS_DIR is not a template option — did you mean APP_DIRS?'],
    ['TEMPLATES DIRS is a list of paths', { TEMPLATES: [{ DIRS: 'templates' }] }, /^TEMPLATES\[0\]\.DIRS must be a list of folder paths, got "templates"/],
    ['TEMPLATES APP_DIRS is a boolean', { TEMPLATES: [{ APP_DIRS: 'yes' }] }, 'TEMPLATES[0].APP_DIRS must be true or false, got "yes"'],
    ['TEMPLATES OPTIONS is an object', { TEMPLATES: [{ OPTIONS: 'strict' }] }, 'TEMPLATES[0].OPTIONS must be an object, got "strict"'],
    ['TEMPLATES BACKEND is a string', { TEMPLATES: [{ BACKEND: 1 }] }, 'TEMPLATES[0].BACKEND must be a string, got 1'],
    ['LOG_LEVEL is a known level', { LOG_LEVEL: 'verbose' }, `LOG_LEVEL must be 'debug', 'info', 'warning', 'error' or 'critical', got "verbose"`],
    ['LOG_LEVEL is lower case', { LOG_LEVEL: 'INFO' }, `LOG_LEVEL must be 'debug', 'info', 'warning', 'error' or 'critical', got "INFO" — use 'info'`],
    ['SECURE_HSTS_SECONDS is a whole number', { SECURE_HSTS_SECONDS: 1.5 }, /^SECURE_HSTS_SECONDS must be a whole number of seconds, 0 or more, got 1.5/],
    ['SECURE_HSTS_SECONDS is not negative', { SECURE_HSTS_SECONDS: -1 }, /^SECURE_HSTS_SECONDS must be a whole number of seconds, 0 or more, got -1/],
    ['SECURE_HSTS_SECONDS is a number, not text', { SECURE_HSTS_SECONDS: '3600' }, /^SECURE_HSTS_SECONDS must be a whole number of seconds, 0 or more, got "3600" — e\.g\. SECURE_HSTS_SECONDS = env\.int/],
    ['SECURE_HSTS_INCLUDE_SUBDOMAINS is a boolean', { SECURE_HSTS_INCLUDE_SUBDOMAINS: 1 }, /^SECURE_HSTS_INCLUDE_SUBDOMAINS must be true or false, got 1/],
    ['SECURE_HSTS_PRELOAD is a boolean', { SECURE_HSTS_PRELOAD: 'true' }, /^SECURE_HSTS_PRELOAD must be true or false/],
    ['SECURE_SSL_REDIRECT is a boolean', { SECURE_SSL_REDIRECT: 'false' }, /^SECURE_SSL_REDIRECT must be true or false, got "false"/],
    ['SECURE_CONTENT_TYPE_NOSNIFF is a boolean', { SECURE_CONTENT_TYPE_NOSNIFF: null }, /^SECURE_CONTENT_TYPE_NOSNIFF must be true or false, got null/],
    ['SECURE_REFERRER_POLICY is a known policy', { SECURE_REFERRER_POLICY: 'same-origin, sometimes' }, /^SECURE_REFERRER_POLICY must be one of no-referrer, .* got "sometimes"$/],
    ['SECURE_CROSS_ORIGIN_OPENER_POLICY is a known policy', { SECURE_CROSS_ORIGIN_OPENER_POLICY: 'same-site' }, /^SECURE_CROSS_ORIGIN_OPENER_POLICY must be 'same-origin', 'same-origin-allow-popups' or 'unsafe-none'/],
    ['X_FRAME_OPTIONS is DENY or SAMEORIGIN', { X_FRAME_OPTIONS: 'ALLOW-FROM https://example.com' }, `X_FRAME_OPTIONS must be 'DENY' or 'SAMEORIGIN', got "ALLOW-FROM https://example.com"`],
    ['SESSION_COOKIE_NAME is a cookie name', { SESSION_COOKIE_NAME: 'my session' }, /^SESSION_COOKIE_NAME must be a cookie name/],
    ['SESSION_COOKIE_AGE is a positive whole number', { SESSION_COOKIE_AGE: 0 }, /^SESSION_COOKIE_AGE must be a whole number of seconds above 0, got 0 — e\.g\. SESSION_COOKIE_AGE = 1209600/],
    ['SESSION_COOKIE_SECURE is a boolean', { SESSION_COOKIE_SECURE: 'yes' }, /^SESSION_COOKIE_SECURE must be true or false/],
    ['SESSION_COOKIE_HTTPONLY is a boolean', { SESSION_COOKIE_HTTPONLY: 0 }, /^SESSION_COOKIE_HTTPONLY must be true or false/],
    ['SESSION_COOKIE_SAMESITE is Lax, Strict, None or false', { SESSION_COOKIE_SAMESITE: 'lax' }, `SESSION_COOKIE_SAMESITE must be 'Lax', 'Strict', 'None' or false, got "lax"`],
    ['SESSION_COOKIE_SAMESITE None needs a secure cookie', { SESSION_COOKIE_SAMESITE: 'None' }, /^SESSION_COOKIE_SAMESITE is 'None' but SESSION_COOKIE_SECURE is not true/],
    ['CSRF_COOKIE_NAME is a cookie name', { CSRF_COOKIE_NAME: 'csrf;token' }, /^CSRF_COOKIE_NAME must be a cookie name/],
    ['CSRF_COOKIE_NAME differs from SESSION_COOKIE_NAME', { CSRF_COOKIE_NAME: 'sessionid' }, 'CSRF_COOKIE_NAME and SESSION_COOKIE_NAME are both "sessionid" — give the two cookies different names'],
    ['CSRF_COOKIE_SECURE is a boolean', { CSRF_COOKIE_SECURE: 'on' }, /^CSRF_COOKIE_SECURE must be true or false/],
    ['CSRF_COOKIE_HTTPONLY is a boolean', { CSRF_COOKIE_HTTPONLY: 'off' }, /^CSRF_COOKIE_HTTPONLY must be true or false/],
    ['CSRF_COOKIE_SAMESITE is Lax, Strict, None or false', { CSRF_COOKIE_SAMESITE: true }, /^CSRF_COOKIE_SAMESITE must be 'Lax', 'Strict', 'None' or false, got true/],
    ['CSRF_COOKIE_SAMESITE None needs a secure cookie', { CSRF_COOKIE_SAMESITE: 'None' }, /^CSRF_COOKIE_SAMESITE is 'None' but CSRF_COOKIE_SECURE is not true/],
  ];

  it.each(rules)('%s', (_, overrides, expected) => {
    const found = problems(overrides);
    expect(found, found.join('\n')).toHaveLength(1);
    expect(found[0]).toMatch(expected);
    expect(found.join('\n')).not.toContain('hunter2');
  });

  it('does not require SECRET_KEY or ALLOWED_HOSTS when DEBUG is true', () => {
    expect(problems({ DEBUG: true, SECRET_KEY: '', ALLOWED_HOSTS: [] })).toEqual([]);
  });
});

describe('typo detection', () => {
  it.each([
    ['ALLOWED_HOST', 'ALLOWED_HOSTS'],
    ['ALOWED_HOSTS', 'ALLOWED_HOSTS'],
    ['HOSTS_ALLOWED', 'ALLOWED_HOSTS'],
    ['DEBGU', 'DEBUG'],
    ['SECRETKEY', 'SECRET_KEY'],
    ['STATIC_FILES_DIRS', 'STATICFILES_DIRS'],
    ['TEMPLATE', 'TEMPLATES'],
    ['SECURE_HSTS_SECOND', 'SECURE_HSTS_SECONDS'],
    ['CSRF_TRUSTED_ORIGIN', 'CSRF_TRUSTED_ORIGINS'],
    ['MIDDLEWARES', 'MIDDLEWARE'],
  ])('%s is reported as a typo of %s, with the other problems', (typo, setting) => {
    expect(problems({ [typo]: 'x', STATIC_URL: '/static' })).toEqual([
      'STATIC_URL must end with a slash, got "/static" — use "/static/"',
      `${typo} is not a setting — did you mean ${setting}?`,
    ]);
  });

  it.each(['PAYMENT_PROVIDER', 'STRIPE_SECRET_KEY', 'MEDIA_URL', 'FEATURE_FLAGS', 'API_BASE_URL', 'DEBUG_SQL', 'CSRF_COOKIE_AGE', 'LOGGING', 'TIME_ZONE'])(
    'the custom setting %s is allowed',
    (name) => {
      expect(problems({ [name]: 'x' })).toEqual([]);
    },
  );

  it('finds lower-case or camelCase exports of a known setting, which would be ignored', () => {
    expect(checkExportNames(['debug', 'allowedHosts', 'DEBUG', 'helper', 'default'])).toEqual([
      'debug is not a setting (settings are UPPER_CASE) — did you mean DEBUG?',
      'allowedHosts is not a setting (settings are UPPER_CASE) — did you mean ALLOWED_HOSTS?',
    ]);
  });

  it('measures edit distance with transpositions', () => {
    expect(editDistance('ALLOWED_HOSTS', 'ALLOWED_HOSTS')).toBe(0);
    expect(editDistance('ALLOWED_HOST', 'ALLOWED_HOSTS')).toBe(1);
    expect(editDistance('DEBGU', 'DEBUG')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests only close names: distance 1 for short names, 2 for longer ones', () => {
    expect(closestName('DEBUGS')).toBe('DEBUG');
    expect(closestName('DEBT')).toBeUndefined();
    expect(closestName('ALLOWED_HOSST')).toBe('ALLOWED_HOSTS');
    expect(closestName('ALLOWED_HOSTNAMES')).toBeUndefined();
  });
});

describe('servingProblems', () => {
  const secret = 'SECRET_KEY is required when DEBUG is false — set the SECRET_KEY environment variable';
  const hosts = 'ALLOWED_HOSTS is empty while DEBUG is false — set ALLOWED_HOSTS, e.g. ALLOWED_HOSTS=example.com';

  it('with DEBUG off, needs a SECRET_KEY and ALLOWED_HOSTS; configure() leaves them to it', () => {
    expect(servingProblems({ DEBUG: false, SECRET_KEY: '', ALLOWED_HOSTS: [] })).toEqual([secret, hosts]);
    expect(servingProblems({ DEBUG: false, SECRET_KEY: 'k'.repeat(50), ALLOWED_HOSTS: [] })).toEqual([hosts]);
    expect(servingProblems({ DEBUG: false, SECRET_KEY: '', ALLOWED_HOSTS: ['example.com'] })).toEqual([secret]);
    expect(problems({ DEBUG: false, SECRET_KEY: '', ALLOWED_HOSTS: [] })).toEqual([]);
  });

  it('with DEBUG on, needs neither', () => {
    expect(servingProblems({ DEBUG: true, SECRET_KEY: '', ALLOWED_HOSTS: [] })).toEqual([]);
  });
});
