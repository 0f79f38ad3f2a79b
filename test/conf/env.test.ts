import { afterEach, describe, expect, it } from 'vitest';
import { beginEnvCollection, endEnvCollection, makeEnv } from '../../src/runtime/conf/env.js';
import { ImproperlyConfigured } from '../../src/runtime/conf/errors.js';

/** The ImproperlyConfigured that `read` throws, for its message. */
function failure(read: () => unknown): ImproperlyConfigured {
  try {
    read();
  } catch (error) {
    if (error instanceof ImproperlyConfigured) return error;
    throw error;
  }
  throw new Error('expected ImproperlyConfigured, nothing was thrown');
}

afterEach(() => {
  endEnvCollection();
});

describe('env.str', () => {
  it('reads the variable, else the fallback; empty counts as unset', () => {
    const env = makeEnv({ NAME: 'site', EMPTY: '' });
    expect(env.str('NAME', 'other')).toBe('site');
    expect(env.str('MISSING', 'fallback')).toBe('fallback');
    expect(env.str('EMPTY', 'fallback')).toBe('fallback');
  });

  it('without a fallback, a missing variable names the variable and the fix', () => {
    const error = failure(() => makeEnv({}).str('SECRET_KEY'));
    expect(error.message).toBe('SECRET_KEY is not set — set the SECRET_KEY environment variable');
  });
});

describe('env.bool', () => {
  it.each([
    ['true', true], ['TRUE', true], ['1', true], ['yes', true], ['on', true], [' On ', true],
    ['false', false], ['0', false], ['no', false], ['off', false], ['False', false],
  ])('reads %j as %s', (value, expected) => {
    expect(makeEnv({ DEBUG: value }).bool('DEBUG')).toBe(expected);
  });

  it('falls back when unset', () => {
    expect(makeEnv({}).bool('DEBUG', true)).toBe(true);
    expect(makeEnv({ DEBUG: '' }).bool('DEBUG', false)).toBe(false);
  });

  it('refuses anything else, naming the variable, the value and the fix', () => {
    const error = failure(() => makeEnv({ DEBUG: 'maybe' }).bool('DEBUG', false));
    expect(error.message).toBe('DEBUG="maybe" is not a boolean — set DEBUG to true or false');
  });

  it('requires the variable without a fallback', () => {
    expect(failure(() => makeEnv({}).bool('DEBUG')).message).toContain('DEBUG is not set');
  });
});

describe('env.int', () => {
  it('reads whole numbers, signed, with spaces around', () => {
    const env = makeEnv({ A: '8000', B: '-3', C: ' 42 ', D: '+7' });
    expect([env.int('A'), env.int('B'), env.int('C'), env.int('D')]).toEqual([8000, -3, 42, 7]);
    expect(env.int('MISSING', 4)).toBe(4);
  });

  it.each(['abc', '1.5', '1e3', '12abc', '99999999999999999999'])('refuses %j with the variable and the fix', (value) => {
    const error = failure(() => makeEnv({ WEB_CONCURRENCY: value }).int('WEB_CONCURRENCY', 2));
    expect(error.message).toBe(`WEB_CONCURRENCY=${JSON.stringify(value)} is not an integer — set WEB_CONCURRENCY to a whole number, e.g. WEB_CONCURRENCY=2`);
  });
});

describe('env.list', () => {
  it('splits on commas, trims and drops blanks', () => {
    expect(makeEnv({ HOSTS: ' a.com, b.com ,,c.com, ' }).list('HOSTS')).toEqual(['a.com', 'b.com', 'c.com']);
  });

  it('falls back when unset and requires the variable without a fallback', () => {
    expect(makeEnv({}).list('HOSTS', ['localhost'])).toEqual(['localhost']);
    expect(failure(() => makeEnv({}).list('HOSTS')).message).toContain('HOSTS is not set — set the HOSTS environment variable');
  });
});

describe('env.url', () => {
  it('returns a parsed URL', () => {
    const url = makeEnv({ DATABASE_URL: 'postgres://user:secret@db.internal:5432/site' }).url('DATABASE_URL');
    expect(url).toBeInstanceOf(URL);
    expect([url.protocol, url.hostname, url.port, url.pathname, url.password]).toEqual(['postgres:', 'db.internal', '5432', '/site', 'secret']);
  });

  it('parses the fallback, a string or a URL', () => {
    const env = makeEnv({});
    expect(env.url('DATABASE_URL', 'sqlite:///db.sqlite3').href).toBe('sqlite:///db.sqlite3');
    expect(env.url('SITE_URL', new URL('https://example.com/a')).href).toBe('https://example.com/a');
  });

  it('refuses a value that is not a URL, without showing its password', () => {
    const error = failure(() => makeEnv({ DATABASE_URL: '//admin:hunter2@db:5432/site' }).url('DATABASE_URL'));
    expect(error.message).toMatch(/^DATABASE_URL="\/\/admin:\*\*\*@db:5432\/site" is not a valid URL — set DATABASE_URL to a full URL with a scheme, e\.g\. DATABASE_URL=https:\/\//);
    expect(error.message).not.toContain('hunter2');
  });

  it('gives the fallback as the example of a good value', () => {
    const error = failure(() => makeEnv({ DATABASE_URL: 'nope' }).url('DATABASE_URL', 'sqlite:///db.sqlite3'));
    expect(error.message).toBe('DATABASE_URL="nope" is not a valid URL — set DATABASE_URL to a full URL with a scheme, e.g. DATABASE_URL=sqlite:///db.sqlite3');
  });

  it('refuses a scheme outside the allowed ones', () => {
    const env = makeEnv({ CACHE_URL: 'http://cache:6379' });
    const error = failure(() => env.url('CACHE_URL', undefined, { schemes: ['redis', 'rediss'] }));
    expect(error.message).toBe('CACHE_URL uses the scheme "http" — use one of redis, rediss, e.g. CACHE_URL=redis://example.com/');
    expect(makeEnv({ CACHE_URL: 'redis://cache:6379' }).url('CACHE_URL', undefined, { schemes: ['redis'] }).port).toBe('6379');
  });

  it('requires the variable without a fallback', () => {
    expect(failure(() => makeEnv({}).url('DATABASE_URL')).message).toBe('DATABASE_URL is not set — set the DATABASE_URL environment variable');
  });
});

describe('env.json', () => {
  it('parses JSON of any shape', () => {
    const env = makeEnv({ FEATURES: '["a", "b"]', LIMITS: '{"rps": 10}', RATIO: '0.5' });
    expect(env.json<string[]>('FEATURES')).toEqual(['a', 'b']);
    expect(env.json('LIMITS')).toEqual({ rps: 10 });
    expect(env.json('RATIO')).toBe(0.5);
    expect(env.json('MISSING', { on: false })).toEqual({ on: false });
  });

  it('refuses bad JSON with the parser reason and the fix, without echoing the value', () => {
    const error = failure(() => makeEnv({ LIMITS: "{rps: 'secret-token'}" }).json('LIMITS'));
    expect(error.message).toMatch(/^LIMITS is not valid JSON \(.+\) — set LIMITS to a JSON value, e\.g\. LIMITS='\{"key": "value"\}'$/);
    expect(error.message).not.toContain('secret-token');
  });

  it('requires the variable without a fallback', () => {
    expect(failure(() => makeEnv({}).json('LIMITS')).message).toContain('LIMITS is not set');
  });
});

describe('while configure() collects problems', () => {
  it('records every bad variable instead of throwing, and gives back the fallback', () => {
    const env = makeEnv({ DEBUG: 'maybe', WORKERS: 'many', URL: 'nope' });
    beginEnvCollection();
    expect(env.bool('DEBUG', false)).toBe(false);
    expect(env.int('WORKERS', 2)).toBe(2);
    expect(env.str('SECRET_KEY')).toBe('');
    expect(env.url('URL').href).toBe('about:blank');
    const problems = endEnvCollection();
    expect(problems.map((problem) => problem.name)).toEqual(['DEBUG', 'WORKERS', 'SECRET_KEY', 'URL']);
    expect(problems[2]?.message).toBe('SECRET_KEY is not set — set the SECRET_KEY environment variable');
    // Collection is over: errors are thrown again.
    expect(() => env.bool('DEBUG', false)).toThrow(ImproperlyConfigured);
  });
});
