/**
 * The access log (`--access-logfile`, `--access-logformat`,
 * `--access-log-json`): gunicorn's default format, custom atoms, JSON lines,
 * and refused requests, written by a real server to a file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { compileFormat, DEFAULT_ACCESS_LOG_FORMAT, type AccessEntry } from '../../src/runtime/server/access-log.js';
import { OptionError } from '../../src/runtime/server/options.js';
import { ensureBuilt, request, sleep } from './helpers.js';
import { rawSend, startEchoServer, stopEchoServers, tempDir } from './options-helpers.js';

/** Waits until the log file holds `count` lines and returns them. */
async function logLines(file: string, count: number, timeoutMs = 5000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    if (lines.length >= count) return lines;
    if (Date.now() > deadline) throw new Error(`${file} has ${lines.length} lines, waited for ${count}: ${JSON.stringify(lines)}`);
    await sleep(25);
  }
}

const entry = (overrides: Partial<AccessEntry> = {}): AccessEntry => ({
  remoteAddr: '198.51.100.4',
  time: new Date(Date.UTC(2024, 0, 5, 7, 8, 9)),
  method: 'POST',
  target: '/p/q?a=1&b=2',
  protocol: 'HTTP/1.1',
  status: 201,
  bytes: 0,
  durationNs: 1_234_567_890n,
  requestHeaders: { 'user-agent': 'ua/1', referer: 'https://ref.example/', 'x-req': 'r-1' },
  responseHeaders: { 'content-type': 'text/html' },
  ...overrides,
});

describe('compileFormat', () => {
  it('renders the default gunicorn format in CLF', () => {
    expect(compileFormat(DEFAULT_ACCESS_LOG_FORMAT)(entry())).toBe(
      '198.51.100.4 - - [05/Jan/2024:07:08:09 +0000] "POST /p/q?a=1&b=2 HTTP/1.1" 201 - "https://ref.example/" "ua/1"',
    );
  });

  it('renders every atom', () => {
    const render = compileFormat('%(m)s|%(U)s|%(q)s|%(H)s|%(s)s|%(B)s|%(b)s|%(T)s|%(M)s|%(D)s|%(L)s|%({x-req}i)s|%({Content-Type}o)s|%({missing}i)s');
    expect(render(entry({ bytes: 12 }))).toBe('POST|/p/q|a=1&b=2|HTTP/1.1|201|12|12|1|1234|1234567|1.234568|r-1|text/html|-');
  });

  it.each(['%(zz)s', '%(h)s %(nope)s', '%({x-req}z)s', '%({}i)s'])('rejects %j with an OptionError naming the atom', (format) => {
    expect(() => compileFormat(format)).toThrow(OptionError);
    expect(() => compileFormat(format)).toThrow(/--access-logformat: unknown atom %\(/);
  });
});

describe('access log on a real server', () => {
  beforeAll(() => ensureBuilt(), 120_000);
  afterEach(() => stopEchoServers());

  it('writes the default gunicorn format', async () => {
    const file = join(tempDir(), 'access.log');
    const { port } = await startEchoServer({ accessLog: { file } });
    const reply = await request({ port, path: '/x?y=1', headers: { 'User-Agent': 'tsgate-test/1.0' } });
    expect(reply.status).toBe(200);
    const [line] = await logLines(file, 1);
    const bytes = Buffer.byteLength(reply.body);
    expect(Number(reply.headers['content-length'])).toBe(bytes);
    expect(line).toMatch(
      new RegExp(
        String.raw`^127\.0\.0\.1 - - \[\d{2}/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "GET /x\?y=1 HTTP/1\.1" 200 ${bytes} "-" "tsgate-test/1\.0"$`,
      ),
    );
    // The time is now, in UTC.
    const stamp = /\[(\d{2})\/(\w{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})/.exec(line as string);
    const [, day, month, year, hh, mm, ss] = stamp as RegExpExecArray;
    const logged = Date.parse(`${day} ${month} ${year} ${hh}:${mm}:${ss} GMT`);
    expect(Math.abs(Date.now() - logged)).toBeLessThan(10_000);
  });

  it('writes a custom format with method, path, query, status, bytes, duration and request and response headers', async () => {
    const file = join(tempDir(), 'access.log');
    const format = '%(m)s %(U)s %(q)s %(s)s %(B)s %(L)s %({x-req}i)s %({content-type}o)s';
    const { port } = await startEchoServer({ accessLog: { file, format } });
    const reply = await request({ port, path: '/x?y=1&z=2', headers: { 'X-Req': 'req-42' } });
    const [line] = await logLines(file, 1);
    const match = /^GET \/x y=1&z=2 200 (\d+) (\d+\.\d{6}) req-42 application\/json$/.exec(line as string);
    expect(match, line).not.toBeNull();
    expect(Number(match?.[1])).toBe(Buffer.byteLength(reply.body));
    expect(Number(match?.[2])).toBeGreaterThan(0);
    expect(Number(match?.[2])).toBeLessThan(5);
  });

  it('writes parseable JSON lines', async () => {
    const file = join(tempDir(), 'access.log');
    const { port } = await startEchoServer({ accessLog: { file, json: true } });
    const first = await request({ port, path: '/one?a=b', headers: { 'User-Agent': 'json-test' } });
    await request({ port, method: 'POST', path: '/two' });
    const lines = await logLines(file, 2);
    const [one, two] = lines.map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(one).toMatchObject({
      remote_addr: '127.0.0.1',
      method: 'GET',
      path: '/one',
      query: 'a=b',
      protocol: 'HTTP/1.1',
      status: 200,
      bytes: Buffer.byteLength(first.body),
      referer: null,
      user_agent: 'json-test',
    });
    expect(typeof one?.duration_ms).toBe('number');
    expect(one?.duration_ms as number).toBeGreaterThanOrEqual(0);
    expect(one?.duration_ms as number).toBeLessThan(5000);
    expect(Number.isNaN(Date.parse(one?.time as string))).toBe(false);
    expect(typeof one?.pid).toBe('number');
    expect(two).toMatchObject({ method: 'POST', path: '/two', query: '', status: 200 });
  });

  it('logs refused requests too: a 414 with the bytes of its message', async () => {
    const file = join(tempDir(), 'access.log');
    const { port, calls } = await startEchoServer({ accessLog: { file } });
    const path = `/${'a'.repeat(4100)}`;
    const reply = await rawSend(port, `GET ${path} HTTP/1.1\r\nHost: h\r\nUser-Agent: long-line\r\n\r\n`);
    expect(reply.statusLine).toBe('HTTP/1.1 414 URI Too Long');
    const body = reply.bytes.subarray(reply.bytes.indexOf('\r\n\r\n') + 4);
    const [line] = await logLines(file, 1);
    expect(line).toMatch(new RegExp(String.raw`^127\.0\.0\.1 - - \[[^\]]+\] "GET ${path} HTTP/1\.1" 414 ${body.byteLength} "-" "long-line"$`));
    expect(body.toString()).toBe('request line is longer than 4094 bytes\n');
    expect(calls()).toEqual([]);
  });

  it('logs a 413 from the body limit, the REMOTE_ADDR a trusted proxy gave, and the response headers of both', async () => {
    const file = join(tempDir(), 'access.log');
    const { port } = await startEchoServer({ accessLog: { file, format: '%(h)s %(s)s %(U)s %({content-type}o)s' }, limits: { body: 10 } });
    const big = await rawSend(port, 'POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world');
    expect(big.statusLine).toBe('HTTP/1.1 413 Content Too Large');
    await request({ port, path: '/via-proxy', headers: { 'X-Forwarded-For': '203.0.113.5' } });
    expect(await logLines(file, 2)).toEqual(['127.0.0.1 413 /up text/plain; charset=utf-8', '203.0.113.5 200 /via-proxy application/json']);
  });
});
