import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDotEnv } from '../../src/runtime/conf/dotenv.js';
import { ImproperlyConfigured } from '../../src/runtime/conf/errors.js';

function projectWith(dotenv: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsgate-dotenv-'));
  writeFileSync(join(dir, '.env'), dotenv);
  return dir;
}

describe('loadDotEnv', () => {
  it('loads .env into the environment, parsed as dotenv does (quotes, export, comments, multi-line)', () => {
    const dir = projectWith(
      [
        '# development settings',
        'DEBUG=true',
        'SECRET_KEY="quoted # not a comment"',
        "export ALLOWED_HOSTS='localhost,127.0.0.1'",
        'LOG_LEVEL=debug # a comment',
        'MULTILINE="one\\ntwo"',
        'SPACED = value with spaces  ',
        '',
      ].join('\n'),
    );
    const environment: NodeJS.ProcessEnv = {};
    expect(loadDotEnv(dir, environment)).toBe(true);
    expect(environment).toEqual({
      DEBUG: 'true',
      SECRET_KEY: 'quoted # not a comment',
      ALLOWED_HOSTS: 'localhost,127.0.0.1',
      LOG_LEVEL: 'debug',
      MULTILINE: 'one\ntwo',
      SPACED: 'value with spaces',
    });
  });

  it('lets the real environment win, even an empty variable', () => {
    const dir = projectWith('DEBUG=true\nSECRET_KEY=from-file\nALLOWED_HOSTS=file.example\n');
    const environment: NodeJS.ProcessEnv = { DEBUG: 'false', SECRET_KEY: '' };
    loadDotEnv(dir, environment);
    expect(environment).toEqual({ DEBUG: 'false', SECRET_KEY: '', ALLOWED_HOSTS: 'file.example' });
  });

  it('is not read when NODE_ENV=production', () => {
    const dir = projectWith('DEBUG=true\n');
    const environment: NodeJS.ProcessEnv = { NODE_ENV: 'production' };
    expect(loadDotEnv(dir, environment)).toBe(false);
    expect(environment).toEqual({ NODE_ENV: 'production' });
  });

  it('skips a malformed line as dotenv does, and keeps the lines around it', () => {
    const dir = projectWith('BEFORE=1\nthis line is not an assignment\n=no-name\nAFTER=2\n');
    const environment: NodeJS.ProcessEnv = {};
    expect(loadDotEnv(dir, environment)).toBe(true);
    expect(environment).toEqual({ BEFORE: '1', AFTER: '2' });
  });

  it('does nothing without a .env file', () => {
    const environment: NodeJS.ProcessEnv = {};
    expect(loadDotEnv(mkdtempSync(join(tmpdir(), 'tsgate-dotenv-')), environment)).toBe(false);
    expect(environment).toEqual({});
  });

  it('reports a .env that cannot be read, naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsgate-dotenv-'));
    mkdirSync(join(dir, '.env'));
    expect(() => loadDotEnv(dir, {})).toThrow(ImproperlyConfigured);
    expect(() => loadDotEnv(dir, {})).toThrow(`cannot read ${join(dir, '.env')} (EISDIR)`);
  });

  it('writes to process.env by default', () => {
    const name = `TSGATE_DOTENV_TEST_${process.pid}`;
    const dir = projectWith(`${name}=loaded\n`);
    try {
      expect(loadDotEnv(dir)).toBe(true);
      expect(process.env[name]).toBe('loaded');
    } finally {
      delete process.env[name];
    }
  });
});
