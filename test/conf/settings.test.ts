import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ImproperlyConfigured } from '../../src/runtime/conf/errors.js';
import { DEFAULTS } from '../../src/runtime/conf/defaults.js';
import { configure, isConfigured, requireServingSettings, resetForTests, settings, SETTINGS_MODULE_VARIABLE } from '../../src/runtime/conf/settings.js';
import { settings as publicSettings, type Settings } from '../../src/runtime/conf/index.js';
import { reportCommandError } from '../../src/runtime/management/execute.js';
import { runSystemChecks } from '../../src/runtime/checks/index.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/conf/', import.meta.url));
const fixture = (name: string) => join(FIXTURES, `${name}.ts`);

async function configureError(moduleName: string): Promise<ImproperlyConfigured> {
  const error: unknown = await configure(moduleName).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof ImproperlyConfigured)) throw new Error(`expected ImproperlyConfigured, got ${String(error)}`);
  return error;
}

beforeEach(() => {
  resetForTests();
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('settings before configure()', () => {
  it('reading a setting is a clear error that says what to do', () => {
    expect(isConfigured()).toBe(false);
    expect(() => settings.DEBUG).toThrow(ImproperlyConfigured);
    expect(() => settings.DEBUG).toThrow(
      `settings.DEBUG was read before the settings were loaded — run through manage or wsgi, or set ${SETTINGS_MODULE_VARIABLE} and call configure() first`,
    );
  });

  it('configure() without a settings module names the variable to set', async () => {
    vi.stubEnv(SETTINGS_MODULE_VARIABLE, undefined);
    const error = await configureError('');
    expect(error.message).toBe('TSGATE_SETTINGS_MODULE is not set — set it to your settings module, e.g. mysite.settings');
  });

  it('a settings module that does not exist is named', async () => {
    const error = await configureError(join(FIXTURES, 'no-such-settings'));
    expect(error.message).toMatch(/^cannot find module ".*no-such-settings" \(from TSGATE_SETTINGS_MODULE\)/);
  });
});

describe('configure()', () => {
  it('loads the UPPER_CASE exports, fills in the defaults, and keeps custom settings', async () => {
    const loaded = await configure(fixture('good'));
    expect(isConfigured()).toBe(true);
    expect(loaded.ALLOWED_HOSTS).toEqual(['example.com', '.example.org']);
    expect(loaded.DATABASES.default.URL).toBe('postgres://user:pw@db:5432/site');
    expect(loaded.SECURE_HSTS_SECONDS).toBe(3600);
    // Not set by the module: Django's defaults.
    expect(loaded.X_FRAME_OPTIONS).toBe('DENY');
    expect(loaded.SESSION_COOKIE_AGE).toBe(1209600);
    expect(loaded.STATIC_URL).toBe('/static/');
    // The project's own setting, as unknown.
    expect(loaded.PAYMENT_PROVIDER).toEqual({ name: 'acme', retries: [1, 2, 4] });
    expect('helper' in loaded).toBe(false);
    // The same object behind the importable `settings`.
    expect(settings.SECRET_KEY).toBe(loaded.SECRET_KEY);
    expect(publicSettings.ROOT_URLCONF).toBe('site.urls');
    expect(Object.keys(settings)).toContain('PAYMENT_PROVIDER');
  });

  it('gives every known setting a value when the module sets only the required ones', async () => {
    const loaded = await configure(fixture('minimal'));
    for (const [name, value] of Object.entries(DEFAULTS)) if (name !== 'DEBUG') expect(loaded[name], name).toEqual(value);
  });

  it('loads once: a later call returns the same object', async () => {
    const first = await configure(fixture('minimal'));
    expect(await configure(fixture('good'))).toBe(first);
  });

  it('reports every problem at once: checks, a typo with its suggestion, a lower-case export', async () => {
    const error = await configureError(fixture('problems'));
    expect(error.problems).toEqual([
      'debug is not a setting (settings are UPPER_CASE) — did you mean DEBUG?',
      'STATIC_URL must end with a slash, got "/static" — use "/static/"',
      `X_FRAME_OPTIONS must be 'DENY' or 'SAMEORIGIN', got "ALLOW"`,
      'ALLOWED_HOST is not a setting — did you mean ALLOWED_HOSTS?',
    ]);
    expect(error.message).toMatch(/^4 problems in settings:\n {2}- debug is not a setting/);
    expect(isConfigured()).toBe(false);
  });

  it('loads without SECRET_KEY and ALLOWED_HOSTS when DEBUG is off (collectstatic, migrate); serving them is refused', async () => {
    const loaded = await configure(fixture('no-secrets'));
    expect(loaded.DEBUG).toBe(false);
    expect(() => requireServingSettings(loaded)).toThrow(
      new ImproperlyConfigured([
        'SECRET_KEY is required when DEBUG is false — set the SECRET_KEY environment variable',
        'ALLOWED_HOSTS is empty while DEBUG is false — set ALLOWED_HOSTS, e.g. ALLOWED_HOSTS=example.com',
      ]),
    );
  });

  it('says the settings module lacks SECRET_KEY when it does not export it, not "set the variable" (which is set)', async () => {
    vi.stubEnv('SECRET_KEY', 'k'.repeat(50));
    const module = fixture('no-secret-export');
    const loaded = await configure(module);
    const expected = new ImproperlyConfigured([
      `SECRET_KEY is required when DEBUG is false, and the settings module ${module} does not define it — ` +
        "add `export const SECRET_KEY = env.str('SECRET_KEY', '');` to it (the SECRET_KEY environment variable is read only through the settings module)",
    ]);
    expect(() => requireServingSettings(loaded)).toThrow(expected);
    // manage check says the same.
    const { messages } = await runSystemChecks({ settingsModule: module });
    expect(messages.map((message) => message.text)).toEqual(expected.problems);
  });

  it('reports bad environment variables together with the other problems', async () => {
    vi.stubEnv('TSGATE_CONF_FIXTURE_DEBUG', 'perhaps');
    vi.stubEnv('TSGATE_CONF_FIXTURE_SECRET_KEY', '');
    vi.stubEnv('TSGATE_CONF_FIXTURE_HSTS', 'one year');
    vi.stubEnv('TSGATE_CONF_FIXTURE_DATABASE_URL', 'postgres://db.internal:notaport/site');
    const error = await configureError(fixture('env-problems'));
    expect(error.problems).toEqual([
      'TSGATE_CONF_FIXTURE_DEBUG="perhaps" is not a boolean — set TSGATE_CONF_FIXTURE_DEBUG to true or false',
      'TSGATE_CONF_FIXTURE_SECRET_KEY is not set — set the TSGATE_CONF_FIXTURE_SECRET_KEY environment variable',
      'TSGATE_CONF_FIXTURE_HSTS="one year" is not an integer — set TSGATE_CONF_FIXTURE_HSTS to a whole number, e.g. TSGATE_CONF_FIXTURE_HSTS=0',
      expect.stringMatching(/^TSGATE_CONF_FIXTURE_DATABASE_URL="postgres:\/\/db.internal:notaport\/site" is not a valid URL/),
      // From the settings checks; DATABASES, whose variable was reported, is not reported again.
      `LOG_LEVEL must be 'debug', 'info', 'warning', 'error' or 'critical', got "verbose"`,
    ]);
  });

  it('loads the project .env before the settings module, without overriding the real environment', async () => {
    const project = mkdtempSync(join(tmpdir(), 'tsgate-conf-'));
    writeFileSync(join(project, 'package.json'), '{"type": "module"}\n');
    writeFileSync(join(project, '.env'), 'TSGATE_CONF_DOTENV_SECRET=from-dotenv\nTSGATE_CONF_DOTENV_HOST=dotenv.example\n');
    writeFileSync(
      join(project, 'settings.mjs'),
      [
        'export const DEBUG = false;',
        'export const SECRET_KEY = process.env.TSGATE_CONF_DOTENV_SECRET;',
        'export const ALLOWED_HOSTS = [process.env.TSGATE_CONF_DOTENV_HOST];',
        "export const ROOT_URLCONF = 'site.urls';",
        "export const WSGI_APPLICATION = 'site.wsgi:application';",
      ].join('\n'),
    );
    vi.stubEnv('TSGATE_CONF_DOTENV_SECRET', undefined);
    vi.stubEnv('TSGATE_CONF_DOTENV_HOST', 'real.example');
    const loaded = await configure(join(project, 'settings.mjs'));
    expect(loaded.SECRET_KEY).toBe('from-dotenv');
    expect(loaded.ALLOWED_HOSTS).toEqual(['real.example']);
    delete process.env.TSGATE_CONF_DOTENV_SECRET;
  });

  it('the manage runner prints the problems without a stack and exits 1', async () => {
    const error = await configureError(fixture('problems'));
    let written = '';
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written += String(chunk);
      return true;
    });
    try {
      expect(reportCommandError(error)).toBe(1);
    } finally {
      write.mockRestore();
    }
    expect(written).toMatch(/^ImproperlyConfigured: 4 problems in settings:\n/);
    expect(written).toContain('ALLOWED_HOST is not a setting — did you mean ALLOWED_HOSTS?');
    expect(written).not.toMatch(/\n\s+at /);
  });
});

describe('the loaded settings are frozen', () => {
  it('assigning, adding or deleting a setting throws', async () => {
    await configure(fixture('good'));
    const writable = settings as Settings;
    expect(() => {
      writable.DEBUG = true;
    }).toThrow('settings are read-only: cannot change settings.DEBUG at run time — set it in your settings module');
    expect(() => {
      writable.NEW_SETTING = 1;
    }).toThrow(TypeError);
    expect(() => Reflect.deleteProperty(writable, 'DEBUG')).toThrow(TypeError);
    expect(settings.DEBUG).toBe(false);
  });

  it('the object configure() returns is frozen, lists and objects included', async () => {
    const loaded = await configure(fixture('good'));
    expect(Object.isFrozen(loaded)).toBe(true);
    expect(() => {
      (loaded as Settings).DEBUG = true;
    }).toThrow(TypeError);
    expect(() => (loaded.ALLOWED_HOSTS as string[]).push('evil.example')).toThrow(TypeError);
    expect(() => {
      (loaded.TEMPLATES[0]?.DIRS as string[])[0] = '/tmp';
    }).toThrow(TypeError);
    expect(Object.isFrozen(loaded.DATABASES.default)).toBe(true);
    expect(Object.isFrozen(loaded.PAYMENT_PROVIDER)).toBe(true);
  });
});
