/**
 * The production start line that says plain HTTP is redirected (issue 13.2)
 * is written once, by the primary: a worker runs the same command and must
 * not repeat it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawExchange } from '../server/helpers.js';
import { serveProject, type ServedProject } from './served-project.js';

const NOTICE = 'SECURE_SSL_REDIRECT is on: redirecting http:// to https://';

describe('serve with SECURE_SSL_REDIRECT on (the production default)', () => {
  let project: ServedProject;

  beforeAll(async () => {
    project = await serveProject({ env: { SECURE_SSL_REDIRECT: 'true' } });
  }, 60_000);

  afterAll(() => project?.stop());

  it('says so once, not once more per worker, and answers plain HTTP with a 301 to https://', async () => {
    // A response proves a worker has loaded the app, past the point where the notice is written.
    const raw = await rawExchange(project.port, 'GET /x/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    const head = raw.toString('latin1');
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 301 Moved Permanently');
    expect(head).toMatch(/\r\nlocation: https:\/\/localhost\/x\/\r\n/i);
    expect(project.server.output.split(NOTICE)).toHaveLength(2);
  }, 60_000);
});
