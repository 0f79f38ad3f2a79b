/**
 * buildEnviron's request headers: CGI names, repeats joined (cookies with
 * `; `, others with `,`), in whichever case they arrive, names holding `_`
 * dropped, and the body-less defaults.
 */
import { describe, expect, it } from 'vitest';
import { buildEnviron } from '../../src/runtime/tsgi/environ.js';

describe('buildEnviron headers', () => {
  it('names headers as CGI does and joins a repeat to its first value, in any case', () => {
    const environ = buildEnviron({
      method: 'GET',
      target: '/',
      rawHeaders: ['Host', 'example.com', 'Accept', 'text/html', 'X-Trace', 'a', 'accept', 'application/json', 'X-TRACE', 'b', 'Cookie', 'a=1', 'cookie', 'b=2'],
    });
    expect(environ.HTTP_HOST).toBe('example.com');
    expect(environ.HTTP_ACCEPT).toBe('text/html,application/json');
    expect(environ.HTTP_X_TRACE).toBe('a,b');
    expect(environ.HTTP_COOKIE).toBe('a=1; b=2');
  });

  it('drops names holding _ and maps Content-Type and Content-Length to their CGI keys, the last one winning', () => {
    const environ = buildEnviron({
      method: 'POST',
      target: '/',
      rawHeaders: ['X_Forwarded_For', 'spoofed', 'Content-Type', 'text/plain', 'content-length', '3', 'Content-Type', 'text/html'],
    });
    expect(Object.keys(environ).filter((key) => key.startsWith('HTTP_'))).toEqual([]);
    expect(environ.CONTENT_TYPE).toBe('text/html');
    expect(environ.CONTENT_LENGTH).toBe('3');
  });

  it('counts repeats per request: the next request starts afresh, and headers given as pairs join the raw ones', () => {
    const first = buildEnviron({ method: 'GET', target: '/', rawHeaders: ['Accept', 'a'], headers: [['accept', 'b']] });
    expect(first.HTTP_ACCEPT).toBe('a,b');
    expect(buildEnviron({ method: 'GET', target: '/', rawHeaders: ['Accept', 'c'] }).HTTP_ACCEPT).toBe('c');
  });

  it('without an input, wsgi.input is an empty body, and wsgi.version is (1, 0)', async () => {
    const environ = buildEnviron({ method: 'GET', target: '/' });
    expect(await environ['wsgi.input'].read()).toHaveLength(0);
    expect(await environ['wsgi.input'].readline()).toHaveLength(0);
    expect(await buildEnviron({ method: 'GET', target: '/' })['wsgi.input'].read(10)).toHaveLength(0);
    expect(environ['wsgi.version']).toEqual([1, 0]);
  });
});
