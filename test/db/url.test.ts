/** parseDatabaseUrl, redactUrl and describeTarget, in-process. */
import { describe, expect, it } from 'vitest';
import { DatabaseUrlError, describeTarget, parseDatabaseUrl, redactUrl, type DatabaseTarget } from '../../src/runtime/db/url.js';

function parsed(url: string): DatabaseTarget {
  return parseDatabaseUrl(url);
}

function refusal(url: string): string {
  try {
    parseDatabaseUrl(url);
  } catch (error) {
    expect(error).toBeInstanceOf(DatabaseUrlError);
    return (error as Error).message;
  }
  throw new Error(`${url} was accepted`);
}

describe('parseDatabaseUrl: SQLite', () => {
  it.each([
    ['sqlite:///db.sqlite3', 'db.sqlite3'],
    ['sqlite:///data/site.db', 'data/site.db'],
    ['sqlite:////var/lib/site/db.sqlite3', '/var/lib/site/db.sqlite3'],
    ['sqlite:///my%20site.db', 'my site.db'],
    ['sqlite:///db.sqlite3?mode=ro', 'db.sqlite3'],
    ['SQLITE:///db.sqlite3', 'db.sqlite3'],
    ['sqlite://:memory:', ':memory:'],
    ['sqlite:///:memory:', ':memory:'],
  ])('%s → %s', (url, filename) => {
    expect(parsed(url)).toEqual({ backend: 'sqlite', filename });
  });

  it.each([
    ['sqlite://', 'a SQLite URL names a file'],
    ['sqlite:///', 'a SQLite URL names a file'],
    ['sqlite://db.sqlite3', 'a SQLite URL names a file'],
    ['sqlite:db.sqlite3', 'a SQLite URL starts with sqlite://'],
  ])('%s is refused: %s', (url, message) => {
    expect(refusal(url)).toContain(message);
  });
});

describe('parseDatabaseUrl: servers', () => {
  it('postgres:// with everything given', () => {
    expect(parsed('postgres://app:secret@db.example.com:6543/site')).toEqual({
      backend: 'postgres',
      host: 'db.example.com',
      port: 6543,
      user: 'app',
      password: 'secret',
      database: 'site',
      ssl: false,
    });
  });

  it('default ports and users: 5432/postgres and 3306/root; no password is undefined', () => {
    expect(parsed('postgres://db/site')).toMatchObject({ backend: 'postgres', host: 'db', port: 5432, user: 'postgres', password: undefined, database: 'site' });
    expect(parsed('mysql://db/site')).toMatchObject({ backend: 'mysql', host: 'db', port: 3306, user: 'root', password: undefined, database: 'site' });
  });

  it('postgresql:// is postgres; mariadb:// is mysql; the scheme is case-insensitive', () => {
    expect(parsed('postgresql://u@h/d').backend).toBe('postgres');
    expect(parsed('mariadb://u@h/d')).toMatchObject({ backend: 'mysql', port: 3306 });
    expect(parsed('MySQL://u@h/d').backend).toBe('mysql');
  });

  it('percent-encoded user, password and database name are decoded', () => {
    expect(parsed('postgres://us%40er:p%40ss%3Aw%2Fd%23%3F@h/my%2Ddb')).toMatchObject({ user: 'us@er', password: 'p@ss:w/d#?', database: 'my-db' });
    expect(parsed('mysql://root:%F0%9F%94%91key@h/d')).toMatchObject({ password: '🔑key' });
  });

  it('a literal % that is not percent-encoding is a DatabaseUrlError saying to write %25, not a URIError', () => {
    for (const url of ['postgres://app:50%off@db/site', 'mysql://root@db/sales%', 'sqlite:///data%zz.db']) {
      expect(refusal(url)).toMatch(/^it has a % that is not followed by two hex digits: write a literal % as %25/);
    }
    expect(refusal('postgres://app:50%off@db/site')).not.toContain('50%off');
  });

  it('an empty password is no password', () => {
    expect(parsed('mysql://root:@127.0.0.1/test')).toMatchObject({ backend: 'mysql', password: undefined });
  });

  it('?host= names a Unix socket folder and wins over the URL host', () => {
    expect(parsed('postgres:///site?host=/var/run/postgresql')).toMatchObject({ host: '/var/run/postgresql', database: 'site', port: 5432 });
    expect(parsed('postgres://app@ignored/site?host=%2Ftmp')).toMatchObject({ host: '/tmp', user: 'app' });
  });

  it('an IPv6 host loses its brackets', () => {
    expect(parsed('postgres://u@[::1]:5433/d')).toMatchObject({ host: '::1', port: 5433 });
  });

  it.each([
    ['', false],
    ['?sslmode=disable', false],
    ['?sslmode=allow', false],
    ['?sslmode=prefer', false],
    ['?sslmode=require', { rejectUnauthorized: false }],
    ['?sslmode=verify-ca', { rejectUnauthorized: true }],
    ['?sslmode=verify-full', { rejectUnauthorized: true }],
    ['?ssl=true', { rejectUnauthorized: true }],
    ['?ssl-mode=VERIFY_CA', { rejectUnauthorized: true }],
  ])('postgres://u@h/d%s → ssl %j', (query, ssl) => {
    expect(parsed(`postgres://u@h/d${query}`)).toMatchObject({ backend: 'postgres', ssl });
  });

  it.each([
    ['DISABLED', false],
    ['PREFERRED', false],
    ['REQUIRED', { rejectUnauthorized: false }],
    ['VERIFY_CA', { rejectUnauthorized: true }],
    ['VERIFY_IDENTITY', { rejectUnauthorized: true }],
  ])("MySQL's own ?ssl-mode=%s → ssl %j", (mode, ssl) => {
    expect(parsed(`mysql://u@h/d?ssl-mode=${mode}`)).toMatchObject({ backend: 'mysql', ssl });
  });

  it.each([
    ['postgres://u:pw@h/', 'it names no database: add it as the path, e.g. postgres://user:password@host/name'],
    ['postgres://u:pw@h', 'it names no database'],
    ['mysql://u:pw@h/a/b', 'it names no database'],
    ['postgres://u:pw@:5432/d', 'not a valid URL'],
    ['postgres:///d', 'it names no host, e.g. postgres://user:password@localhost/d'],
    ['postgres://u:pw@h:70000/d', 'it is not a valid URL'],
    ['postgres://u:pw@h:port/d', 'it is not a valid URL'],
    ['postgres://u:pw@h/d?sslmode=always', 'sslmode=always is not one of disable, allow, prefer, require, verify-ca, verify-full'],
    ['redis://u:pw@h/0', 'the scheme "redis" is not one tsgate connects to (sqlite, postgres, postgresql, mysql, mariadb)'],
    ['db.sqlite3', 'it is not a URL: it needs a scheme'],
    ['', 'it is not a URL'],
  ])('%s is refused: %s', (url, message) => {
    const text = refusal(url);
    expect(text).toContain(message);
    expect(text).not.toContain('pw@');
  });
});

describe('redactUrl', () => {
  it.each([
    ['postgres://app:secret@db:5432/site', 'postgres://app:***@db:5432/site'],
    ['mysql://root:p%40ss@127.0.0.1/test?ssl=true', 'mysql://root:***@127.0.0.1/test?ssl=true'],
    ['postgres://:secret@db/site', 'postgres://:***@db/site'],
    ['postgres://app:pa:ss@db/site', 'postgres://app:***@db/site'],
    // An @ the user did not encode: the URL parser (and so the connection) takes the last one as the end of the password.
    ['postgres://app:p@ss@db/site', 'postgres://app:***@db/site'],
    ['postgres://app@db/site', 'postgres://app@db/site'],
    ['postgres://db/site', 'postgres://db/site'],
    ['sqlite:///db.sqlite3', 'sqlite:///db.sqlite3'],
    ['not a url', 'not a url'],
    // No valid URL (the message saying so shows it): a missing colon, a password with / ? # or a space.
    ['postgres//app:secret@db/site', 'postgres//app:***@db/site'],
    ['postgres://app:abc/def+g==@db/site', 'postgres://app:***@db/site'],
    ['postgres://app:a?b#c@db/site', 'postgres://app:***@db/site'],
    ['postgres://app:pa ss@db/site', 'postgres://app:***@db/site'],
    // An @ in the query: the host is masked too, the password never shown.
    ['postgres://app:secret@db/site?application_name=a@b', 'postgres://app:***@b'],
  ])('%s → %s', (url, redacted) => {
    expect(redactUrl(url)).toBe(redacted);
  });

  it('the password it hides is the one the parser connects with', () => {
    const url = 'postgres://app:p@ss@db/site';
    const target = parseDatabaseUrl(url) as { password: string };
    expect(target.password).toBe('p@ss');
    expect(redactUrl(url)).not.toContain('ss@');
  });
});

describe('describeTarget', () => {
  it('names backend, user, host, port and database, never the password', () => {
    expect(describeTarget(parseDatabaseUrl('postgres://app:secret@db/site'))).toBe('postgres://app@db:5432/site');
    expect(describeTarget(parseDatabaseUrl('mariadb://u:secret@h:3307/d'))).toBe('mysql://u@h:3307/d');
    expect(describeTarget(parseDatabaseUrl('sqlite:///db.sqlite3'))).toBe('sqlite:///db.sqlite3');
    expect(describeTarget(parseDatabaseUrl('sqlite:////abs/db.sqlite3'))).toBe('sqlite:////abs/db.sqlite3');
  });
});
