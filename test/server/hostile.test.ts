/**
 * Hostile and malformed HTTP/1.1 on real sockets: each one
 * gets a 4xx (or 505) and a closed connection, never reaches the app, and
 * the next good request on a new connection is served. The app records
 * every call (test/fixtures/server/echo-app.js), which is how "never reached
 * the app" is proven. Slow clients are at the end.
 */
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, request, sleep } from './helpers.js';
import { rawSend, startEchoServer, stopEchoServers, type EchoServer, type RawReply } from './options-helpers.js';

beforeAll(() => ensureBuilt(), 120_000);

const BODY_LIMIT = 1000;
const H = 'Host: example.test\r\n';

/** Status codes of every response in a raw reply. */
const codes = (reply: RawReply) => reply.statusLines.map((line) => Number(line.slice(9, 12)));

/** The good request that must still be served after each hostile one, on a new connection. */
async function expectServed(echo: EchoServer, path = '/after'): Promise<void> {
  const before = echo.calls().length;
  const reply = await request({ port: echo.port, path });
  expect(reply.status).toBe(200);
  expect(JSON.parse(reply.body)).toMatchObject({ PATH_INFO: path });
  expect(echo.calls().length).toBe(before + 1);
}

describe('malformed and oversized requests', () => {
  let echo: EchoServer;
  beforeAll(async () => {
    echo = await startEchoServer({ workers: 1, limits: { body: BODY_LIMIT } });
  });
  afterAll(() => stopEchoServers());

  // [name, raw request, expected status line]
  const cases: Array<[string, string, string]> = [
    ['Content-Length and Transfer-Encoding together (CL.TE)', `POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 'HTTP/1.1 400 Bad Request'],
    ['Transfer-Encoding and Content-Length together (TE.CL)', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n`, 'HTTP/1.1 400 Bad Request'],
    ['two Content-Length headers with different values', `POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!`, 'HTTP/1.1 400 Bad Request'],
    ['a Content-Length list with different values', `POST / HTTP/1.1\r\n${H}Content-Length: 5, 6\r\n\r\nhello!`, 'HTTP/1.1 400 Bad Request'],
    ['Content-Length: abc', `POST / HTTP/1.1\r\n${H}Content-Length: abc\r\n\r\n`, 'HTTP/1.1 400 Bad Request'],
    ['Content-Length: -1', `POST / HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\n`, 'HTTP/1.1 400 Bad Request'],
    ['Content-Length: +5', `POST / HTTP/1.1\r\n${H}Content-Length: +5\r\n\r\nhello`, 'HTTP/1.1 400 Bad Request'],
    ['an obs-fold header continuation line', `GET / HTTP/1.1\r\n${H}X-Folded: one\r\n two\r\n\r\n`, 'HTTP/1.1 400 Bad Request'],
    ['NUL in a header value', `GET / HTTP/1.1\r\n${H}X-Nul: a\0b\r\n\r\n`, 'HTTP/1.1 400 Bad Request'],
    ['a bare CR inside a header value', `GET / HTTP/1.1\r\n${H}X-Cr: a\rb\r\n\r\n`, 'HTTP/1.1 400 Bad Request'],
    ['a bare CR ending a header line', `GET / HTTP/1.1\r\n${H}X-Cr: ab\r\r\n\r\n`, 'HTTP/1.1 400 Bad Request'],
    ['whitespace between a header name and its colon', `GET / HTTP/1.1\r\n${H}Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n`, 'HTTP/1.1 400 Bad Request'],
    ['an invalid method token G(T', `G(T / HTTP/1.1\r\n${H}\r\n`, 'HTTP/1.1 400 Bad Request'],
    ['version HTTP/9.9', `GET / HTTP/9.9\r\n${H}\r\n`, 'HTTP/1.1 400 Bad Request'],
    ['version HTTP/1.x', `GET / HTTP/1.x\r\n${H}\r\n`, 'HTTP/1.1 400 Bad Request'],
    ['version HTTP/2.0 in an HTTP/1 message', `GET / HTTP/2.0\r\n${H}\r\n`, 'HTTP/1.1 505 HTTP Version Not Supported'],
    ['an HTTP/0.9 request line', 'GET /\r\n\r\n', 'HTTP/1.1 505 HTTP Version Not Supported'],
    ['a space inside the request target', `GET /a b HTTP/1.1\r\n${H}\r\n`, 'HTTP/1.1 400 Bad Request'],
    ['an HTTP/1.1 request without Host', 'GET / HTTP/1.1\r\n\r\n', 'HTTP/1.1 400 Bad Request'],
    ['two Host headers', `GET / HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n`, 'HTTP/1.1 400 Bad Request'],
    ['Transfer-Encoding: gzip (chunked not final)', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\n\r\nhello`, 'HTTP/1.1 400 Bad Request'],
    ['Transfer-Encoding: chunked, identity', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked, identity\r\n\r\n5\r\nhello\r\n0\r\n\r\n`, 'HTTP/1.1 400 Bad Request'],
    ['Transfer-Encoding: xchunked', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`, 'HTTP/1.1 400 Bad Request'],
    ['Transfer-Encoding: chunked twice', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`, 'HTTP/1.1 400 Bad Request'],
    ['Transfer-Encoding: chunked in an HTTP/1.0 request', `POST / HTTP/1.0\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`, 'HTTP/1.1 400 Bad Request'],
    ['a request line of 4095 bytes (limit 4094)', `GET /${'a'.repeat(4081)} HTTP/1.1\r\n${H}\r\n`, 'HTTP/1.1 414 URI Too Long'],
    ['101 header fields', `GET / HTTP/1.1\r\n${H}${Array.from({ length: 100 }, (_, i) => `X-Field-${i}: v\r\n`).join('')}\r\n`, 'HTTP/1.1 431 Request Header Fields Too Large'],
    ['a header field of 8191 bytes (limit 8190)', `GET / HTTP/1.1\r\n${H}X-Big: ${'b'.repeat(8184)}\r\n\r\n`, 'HTTP/1.1 431 Request Header Fields Too Large'],
    ['a header field of 20000 bytes', `GET / HTTP/1.1\r\n${H}X-Big: ${'b'.repeat(20_000)}\r\n\r\n`, 'HTTP/1.1 431 Request Header Fields Too Large'],
    ['a Content-Length over the body limit', `POST /read HTTP/1.1\r\n${H}Content-Length: ${BODY_LIMIT + 1}\r\n\r\n${'x'.repeat(BODY_LIMIT + 1)}`, 'HTTP/1.1 413 Content Too Large'],
  ];

  it.each(cases)('%s: refused, the app is not called, the next request is served', async (_name, raw, statusLine) => {
    const before = echo.calls();
    const reply = await rawSend(echo.port, raw);
    expect(reply.statusLine).toBe(statusLine);
    expect(reply.statusLines).toHaveLength(1);
    expect(reply.ended).not.toBe('idle'); // the connection is closed after a refusal
    expect(echo.calls()).toEqual(before);
    await expectServed(echo);
  });

  it('the limits are exact: a 4094-byte request line, 100 fields, an 8190-byte field and a body of the limit are served', async () => {
    // `GET /aaa… HTTP/1.1` is 4 + path + 9 bytes; a field is `Name: value` without the CRLF.
    const path = `/${'a'.repeat(4094 - 13 - 1)}`;
    const line = await rawSend(echo.port, `GET ${path} HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
    expect(line.statusLine).toBe('HTTP/1.1 200 OK');

    const fields = Array.from({ length: 97 }, (_, i) => `X-F${i}: v\r\n`).join('');
    const big = `X-Big: ${'b'.repeat(8190 - 'X-Big: '.length)}\r\n`;
    // Host + Connection + X-Big + 97 = 100 fields.
    const head = await rawSend(echo.port, `GET / HTTP/1.1\r\n${H}Connection: close\r\n${big}${fields}\r\n`);
    expect(head.statusLine).toBe('HTTP/1.1 200 OK');

    const body = await rawSend(echo.port, `POST /read HTTP/1.1\r\n${H}Connection: close\r\nContent-Length: ${BODY_LIMIT}\r\n\r\n${'x'.repeat(BODY_LIMIT)}`);
    expect(body.statusLine).toBe('HTTP/1.1 200 OK');
    expect(body.bytes.toString()).toContain(`"bodyLength":${BODY_LIMIT}`);
  });

  it('a chunked body over the body limit, read by the app, gets a 413 and a closed connection', async () => {
    const chunk = 'x'.repeat(600);
    const raw = `POST /read HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n258\r\n${chunk}\r\n258\r\n${chunk}\r\n0\r\n\r\n`;
    const before = echo.calls().length;
    const reply = await rawSend(echo.port, raw);
    expect(reply.statusLines).toEqual(['HTTP/1.1 413 Content Too Large']);
    expect(reply.ended).not.toBe('idle');
    // The app was called (its headers were fine) but never got past reading the body.
    expect(echo.calls().slice(before)).toEqual([expect.stringMatching(/ POST \/read$/)]);
    await expectServed(echo);
  });

  it('a bad chunk size (zz) never gives the reading app its body: 400, connection closed', async () => {
    const before = echo.calls().length;
    const reply = await rawSend(echo.port, `POST /read HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`);
    expect(reply.statusLines).toEqual(['HTTP/1.1 400 Bad Request']);
    expect(reply.ended).not.toBe('idle');
    // node hands over a request once its head is parsed, so the app is called; the body never arrives.
    expect(echo.calls().slice(before)).toEqual([expect.stringMatching(/ POST \/read$/)]);
    await expectServed(echo);
  });
});

describe('request smuggling', () => {
  let echo: EchoServer;
  beforeAll(async () => {
    echo = await startEchoServer({ workers: 1 });
  });
  afterAll(() => stopEchoServers());

  /** Calls the app got for exactly `path`. */
  const callsFor = (path: string) => echo.calls().filter((line) => line.split(' ')[2] === path);
  const smuggledCalls = () => callsFor('/smuggled');

  it('control: two pipelined requests on one connection are both served, so a served smuggled request would show', async () => {
    const reply = await rawSend(echo.port, `GET /first HTTP/1.1\r\n${H}\r\nGET /second HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
    expect(reply.statusLines).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    expect(callsFor('/first')).toHaveLength(1);
    expect(callsFor('/second')).toHaveLength(1);
  });

  const SMUGGLED = `GET /smuggled HTTP/1.1\r\n${H}\r\n`;
  const attempts: Array<[string, string]> = [
    // A front end that honours Content-Length sees one request; one that honours chunked sees two.
    ['CL.TE', `POST / HTTP/1.1\r\n${H}Content-Length: ${5 + SMUGGLED.length}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`],
    ['TE.CL', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n22\r\nGET /smuggled HTTP/1.1\r\nX-Pad: x\r\n\r\n0\r\n\r\n`],
    ['TE.TE (an obfuscated second Transfer-Encoding)', `POST / HTTP/1.1\r\n${H}Content-Length: ${5 + SMUGGLED.length}\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n0\r\n\r\n${SMUGGLED}`],
    ['a Transfer-Encoding with whitespace before its colon', `POST / HTTP/1.1\r\n${H}Content-Length: ${5 + SMUGGLED.length}\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`],
    ['two Content-Lengths', `POST / HTTP/1.1\r\n${H}Content-Length: 0\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`],
    ['Transfer-Encoding: gzip', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\n\r\n${SMUGGLED}`],
    ['chunked in HTTP/1.0', `POST / HTTP/1.0\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`],
    ['a bad chunk size, body read by the app', `POST /read HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\n\r\n${SMUGGLED}`],
  ];

  it.each(attempts)('%s: one 4xx, the connection closed, the request to /smuggled never served', async (_name, raw) => {
    const reply = await rawSend(echo.port, raw);
    expect(reply.ended).not.toBe('idle');
    expect(reply.statusLines).toHaveLength(1);
    expect(codes(reply)[0]).toBe(400);
    expect(smuggledCalls()).toEqual([]);
    await expectServed(echo);
  });

  it('a bad chunk size after a valid head: at most the first request is answered, then the connection is closed', async () => {
    // node hands a request to the app once its head is parsed; an app that
    // answers without reading the body may answer (200), but nothing after
    // the bad chunk is parsed as a request.
    const reply = await rawSend(echo.port, `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\n\r\n${SMUGGLED}`);
    expect(reply.ended).not.toBe('idle');
    expect(reply.statusLines.length).toBeLessThanOrEqual(1);
    expect(smuggledCalls()).toEqual([]);
    await expectServed(echo);
  });

  it('a body that looks like a request is a body: read by the app, never served as a request', async () => {
    const inner = `GET /smuggled HTTP/1.1\r\n${H}\r\n`;
    const reply = await rawSend(echo.port, `POST /read HTTP/1.1\r\n${H}Connection: close\r\nContent-Length: ${inner.length}\r\n\r\n${inner}`);
    expect(reply.statusLines).toEqual(['HTTP/1.1 200 OK']);
    expect(reply.bytes.toString()).toContain(`"bodyLength":${inner.length}`);
    expect(smuggledCalls()).toEqual([]);
  });
});

describe('slow clients', () => {
  afterEach(() => stopEchoServers());

  it('a client that sends half a request line and stalls is cut off after headerTimeout, while another is served', async () => {
    const echo = await startEchoServer({ workers: 1, headerTimeout: 1, requestTimeout: 5 });
    const started = Date.now();
    const slow = net.connect(echo.port, '127.0.0.1');
    const received: Buffer[] = [];
    slow.on('data', (chunk: Buffer) => received.push(chunk));
    const closed = new Promise<number>((resolve) => {
      slow.on('close', () => resolve(Date.now() - started));
      slow.on('error', () => {});
    });
    // Once the half line is on its way, the single worker answers someone else meanwhile.
    await new Promise((resolve) => slow.write('GET /slo', resolve));
    const other = await request({ port: echo.port, path: '/meanwhile', deadlineMs: 2000 });
    const servedAfter = Date.now() - started;
    expect(other.status).toBe(200);

    const closedAfter = await Promise.race([closed, sleep(6000).then(() => -1)]);
    slow.destroy();
    expect(closedAfter).toBeGreaterThanOrEqual(900);
    expect(closedAfter).toBeLessThan(4500); // the header timeout, not the request timeout (5 s)
    expect(servedAfter).toBeLessThan(closedAfter);
    const text = Buffer.concat(received).toString();
    // node answers 408 when it can; a bare close is as good.
    if (text) expect(text).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(echo.calls().map((line) => line.split(' ')[2])).toEqual(['/meanwhile']);
  });

  it('a client that dribbles its headers a byte at a time is cut off at headerTimeout too', async () => {
    const echo = await startEchoServer({ workers: 1, headerTimeout: 1, requestTimeout: 5 });
    const started = Date.now();
    const slow = net.connect(echo.port, '127.0.0.1');
    let open = true;
    const closed = new Promise<number>((resolve) => {
      slow.on('close', () => {
        open = false;
        resolve(Date.now() - started);
      });
      slow.on('error', () => {});
    });
    const text = `GET /dribble HTTP/1.1\r\n${H}X-Long: ${'d'.repeat(200)}\r\n\r\n`;
    void (async () => {
      for (const byte of text) {
        if (!open) return;
        slow.write(byte);
        await sleep(50);
      }
    })();
    const closedAfter = await Promise.race([closed, sleep(6000).then(() => -1)]);
    slow.destroy();
    expect(closedAfter).toBeGreaterThanOrEqual(900);
    expect(closedAfter).toBeLessThan(4500); // the header timeout, not the request timeout (5 s)
    expect(echo.calls()).toEqual([]);
    await expectServed(echo);
  });
});
