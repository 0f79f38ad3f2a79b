import { STATUS_CODES } from 'node:http';
import { describe, expect, it } from 'vitest';
import { buildEnviron, type RequestFacts } from '../../src/runtime/tsgi/environ.js';
import { fromFetchHandler, toFetchHandler } from '../../src/runtime/tsgi/fetch.js';
import { BodyReader } from '../../src/runtime/tsgi/input.js';
import { runApplication, type ResponseSink } from '../../src/runtime/tsgi/run.js';
import type { Application, Body, ErrorStream, Header } from '../../src/runtime/tsgi/types.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (text: string): Uint8Array => encoder.encode(text);
const tick = (ms = 5): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A `wsgi.errors` that keeps what the app and the runner report. */
function errorLog(): ErrorStream & { text: () => string } {
  const lines: string[] = [];
  return { write: (t) => void lines.push(t), flush: () => {}, text: () => lines.join('') };
}

interface Collected {
  status: string | undefined;
  headers: Header[];
  body: string;
  ended: boolean;
  aborted: Error | undefined;
}

/** Runs a TSGI app the way a server would, collecting what reaches the sink. */
async function collect(app: Application, facts: Partial<RequestFacts> = {}, signal?: AbortSignal): Promise<Collected> {
  const result: Collected = { status: undefined, headers: [], body: '', ended: false, aborted: undefined };
  const chunks: Uint8Array[] = [];
  const sink: ResponseSink = {
    sendHeaders(status, headers) {
      result.status = status;
      result.headers = headers;
    },
    write: (chunk) => void chunks.push(chunk),
    end: () => void (result.ended = true),
    abort: (error) => void (result.aborted = error),
  };
  const environ = buildEnviron({ method: 'GET', target: '/', headers: [], errors: errorLog(), ...facts });
  await runApplication(app, environ, sink, signal ? { signal } : {});
  result.body = decoder.decode(Buffer.concat(chunks));
  return result;
}

const headerValues = (headers: Header[], name: string): string[] =>
  headers.filter(([key]) => key.toLowerCase() === name).map(([, value]) => value);

describe('toFetchHandler', () => {
  it('gives status, headers and body', async () => {
    const app: Application = (_environ, startResponse) => {
      startResponse('201 Created', [['Content-Type', 'text/plain'], ['X-Answer', '42']]);
      return [bytes('hel'), bytes('lo')];
    };
    const response = await toFetchHandler(app)(new Request('http://example.com/'));
    expect(response.status).toBe(201);
    expect(response.statusText).toBe('Created');
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(response.headers.get('x-answer')).toBe('42');
    expect(response.headers.get('content-length')).toBe('5');
    expect(await response.text()).toBe('hello');
  });

  it('passes the query, a percent-decoded PATH_INFO and the URL parts to the app', async () => {
    const app: Application = (environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'application/json']]);
      const { PATH_INFO, QUERY_STRING, SERVER_NAME, SERVER_PORT, REQUEST_METHOD, HTTP_X_TEST } = environ;
      const seen = { PATH_INFO, QUERY_STRING, SERVER_NAME, SERVER_PORT, REQUEST_METHOD, HTTP_X_TEST, scheme: environ['wsgi.url_scheme'] };
      return [bytes(JSON.stringify(seen))];
    };
    const request = new Request('https://example.com:8443/caf%C3%A9/a%20b?x=1&y=%20', {
      method: 'DELETE',
      headers: { 'X-Test': 'yes' },
    });
    expect(await (await toFetchHandler(app)(request)).json()).toEqual({
      PATH_INFO: '/caf\xc3\xa9/a b',
      QUERY_STRING: 'x=1&y=%20',
      SERVER_NAME: 'example.com',
      SERVER_PORT: '8443',
      REQUEST_METHOD: 'DELETE',
      HTTP_X_TEST: 'yes',
      scheme: 'https',
    });
    const behindProxy = await toFetchHandler(app, { scheme: 'https' })(new Request('http://example.com/'));
    expect(await behindProxy.json()).toMatchObject({ SERVER_PORT: '80', scheme: 'https', QUERY_STRING: '' });
  });

  it('makes a POST body readable through wsgi.input', async () => {
    const app: Application = async (environ, startResponse) => {
      const input = environ['wsgi.input'];
      const first = await input.readline();
      const rest = await input.read();
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      const seen = [environ.CONTENT_TYPE, environ.CONTENT_LENGTH, decoder.decode(first), decoder.decode(rest)];
      return [bytes(JSON.stringify(seen))];
    };
    const handler = toFetchHandler(app);
    const fixed = new Request('http://x/', { method: 'POST', body: 'line 1\nline 2', headers: { 'Content-Type': 'text/x', 'Content-Length': '13' } });
    expect(await (await handler(fixed)).json()).toEqual(['text/x', '13', 'line 1\n', 'line 2']);

    // A streamed upload of unknown length, arriving in several chunks.
    const parts = ['a', 'b\nc', 'd'];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const part = parts.shift();
        if (part === undefined) controller.close();
        else controller.enqueue(bytes(part));
      },
    });
    const streamed = new Request('http://x/', { method: 'PUT', body, duplex: 'half' });
    expect(await (await handler(streamed)).json()).toEqual([null, null, 'ab\n', 'cd']);
  });

  it('streams an async generator body in order, with back-pressure', async () => {
    const app: Application = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return (async function* () {
        for (const part of ['one ', 'two ', 'three']) {
          await tick(2);
          yield bytes(part);
        }
      })();
    };
    const response = await toFetchHandler(app)(new Request('http://x/'));
    expect(response.headers.get('content-length')).toBeNull();
    const received: string[] = [];
    for await (const chunk of response.body ?? []) received.push(decoder.decode(chunk));
    expect(received).toEqual(['one ', 'two ', 'three']);

    let produced = 0;
    const large: Application = (_environ, startResponse) => {
      startResponse('200 OK', []);
      return (function* () {
        for (; produced < 100; ) {
          produced += 1;
          yield new Uint8Array(16384);
        }
      })();
    };
    const unread = await toFetchHandler(large)(new Request('http://x/'));
    await tick(20);
    // 64 KiB of buffer holds four chunks; without back-pressure all 100 would be produced.
    expect(produced).toBeGreaterThanOrEqual(4);
    expect(produced).toBeLessThanOrEqual(6);
    await unread.body?.cancel();
  });

  it('answers 500 when the app fails before sending headers', async () => {
    const errors = errorLog();
    const app: Application = () => {
      throw new Error('boom');
    };
    const response = await toFetchHandler(app, { errors })(new Request('http://x/broken'));
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('Internal Server Error\n');
    expect(errors.text()).toContain('GET /broken');
    expect(errors.text()).toContain('boom');
  });

  it('errors the body stream when the app fails after sending headers', async () => {
    const app: Application = (_environ, startResponse) => {
      startResponse('200 OK', []);
      return (async function* () {
        yield bytes('partial');
        throw new Error('late failure');
      })();
    };
    const response = await toFetchHandler(app, { errors: errorLog() })(new Request('http://x/'));
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow('late failure');
  });

  it('gives no body for HEAD, keeping the Content-Length', async () => {
    const app: Application = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return [bytes('hello')];
    };
    const response = await toFetchHandler(app)(new Request('http://x/', { method: 'HEAD' }));
    expect(response.status).toBe(200);
    expect(response.body).toBeNull();
    expect(response.headers.get('content-length')).toBe('5');
  });

  it('gives a null body for 204, 205 and 304', async () => {
    for (const status of ['204 No Content', '205 Reset Content', '304 Not Modified']) {
      const app: Application = (_environ, startResponse) => {
        startResponse(status, [['X-Status', status]]);
        return (async function* () {})();
      };
      const response = await toFetchHandler(app)(new Request('http://x/'));
      expect(response.status).toBe(Number(status.slice(0, 3)));
      expect(response.statusText).toBe(status.slice(4));
      expect(response.headers.get('x-status')).toBe(status);
      expect(response.body).toBeNull();
    }
  });

  it('rejects a status a fetch Response cannot carry, still calling close()', async () => {
    let closed = false;
    const app: Application = (_environ, startResponse) => {
      startResponse('103 Early Hints', []);
      return Object.assign([bytes('x')], { close: () => void (closed = true) });
    };
    await expect(toFetchHandler(app, { errors: errorLog() })(new Request('http://x/'))).rejects.toThrow(RangeError);
    await tick();
    expect(closed).toBe(true);
  });

  it('calls close() after a complete response', async () => {
    let closed = 0;
    const app: Application = (_environ, startResponse) => {
      startResponse('200 OK', []);
      return Object.assign([bytes('done')], { close: () => void (closed += 1) });
    };
    const response = await toFetchHandler(app)(new Request('http://x/'));
    expect(await response.text()).toBe('done');
    await tick();
    expect(closed).toBe(1);
  });

  /** A long-running app whose close() resolves `closed`; `stopped` tells whether the generator was shut. */
  function endlessApp() {
    let resolveClosed!: () => void;
    const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
    const state = { produced: 0, stopped: false, closed };
    const app: Application = (_environ, startResponse) => {
      startResponse('200 OK', []);
      const body: Body = (async function* () {
        try {
          while (state.produced < 300) {
            state.produced += 1;
            yield bytes(`chunk ${state.produced}\n`);
            await tick(1);
          }
        } finally {
          state.stopped = true;
        }
      })();
      return Object.assign(body, { close: resolveClosed });
    };
    return { app, state };
  }

  it('stops iterating and calls close() when the consumer cancels the body early', async () => {
    const { app, state } = endlessApp();
    const response = await toFetchHandler(app)(new Request('http://x/'));
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(decoder.decode(first.value)).toBe('chunk 1\n');
    await reader.cancel();
    await state.closed;
    expect(state.stopped).toBe(true);
    const producedAtClose = state.produced;
    expect(producedAtClose).toBeLessThan(10);
    await tick(20);
    expect(state.produced).toBe(producedAtClose);
  });

  it('stops iterating and calls close() when the request signal aborts', async () => {
    const { app, state } = endlessApp();
    const client = new AbortController();
    const response = await toFetchHandler(app)(new Request('http://x/', { signal: client.signal }));
    const reader = response.body!.getReader();
    await reader.read();
    client.abort();
    await state.closed;
    expect(state.stopped).toBe(true);
    expect(state.produced).toBeLessThan(10);
    await expect(drain(reader)).rejects.toThrow('client disconnected');
  });
});

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  for (;;) if ((await reader.read()).done) return;
}

describe('fromFetchHandler', () => {
  const echo = fromFetchHandler(async (request) => {
    const seen = {
      url: request.url,
      method: request.method,
      test: request.headers.get('x-test'),
      type: request.headers.get('content-type'),
      connection: request.headers.get('connection'),
      body: request.body ? await request.text() : null,
    };
    return Response.json(seen);
  });

  it('builds the request URL, method and headers from the environ', async () => {
    const result = await collect(echo, {
      target: '/caf%C3%A9/a%20b?x=1&y=%20',
      scriptName: '/mount',
      headers: [['Host', 'example.com:8080'], ['X-Test', 'yes'], ['Connection', 'keep-alive']],
    });
    expect(result.status).toBe('200 OK');
    expect(JSON.parse(result.body)).toEqual({
      url: 'http://example.com:8080/mount/caf%C3%A9/a%20b?x=1&y=%20',
      method: 'GET',
      test: 'yes',
      type: null,
      connection: null,
      body: null,
    });
    const noHost = await collect(echo, { target: '/p', scheme: 'https', serverName: 'internal', serverPort: '8443' });
    expect(JSON.parse(noHost.body)).toMatchObject({ url: 'https://internal:8443/p' });
    const defaultPort = await collect(echo, { target: '/p', serverName: 'internal', serverPort: '80' });
    expect(JSON.parse(defaultPort.body)).toMatchObject({ url: 'http://internal/p' });
  });

  it('streams a POST body from wsgi.input to the handler', async () => {
    const text = 'x'.repeat(150_000) + 'end';
    const result = await collect(echo, {
      method: 'POST',
      headers: [['Content-Type', 'text/plain'], ['Content-Length', String(text.length)]],
      input: new BodyReader(
        (async function* () {
          for (let i = 0; i < text.length; i += 40_000) yield bytes(text.slice(i, i + 40_000));
        })(),
        text.length,
      ),
    });
    const seen = JSON.parse(result.body) as { method: string; type: string; body: string };
    expect(seen.method).toBe('POST');
    expect(seen.type).toBe('text/plain');
    expect(seen.body.length).toBe(text.length);
    expect(seen.body).toBe(text);
  });

  it('keeps several Set-Cookie headers apart', async () => {
    const cookies = ['a=1; Expires=Wed, 21 Oct 2037 07:28:00 GMT', 'b=2; Path=/'];
    const app = fromFetchHandler(() => {
      const headers = new Headers({ 'X-One': '1' });
      for (const cookie of cookies) headers.append('Set-Cookie', cookie);
      return new Response('ok', { headers });
    });
    const result = await collect(app);
    expect(headerValues(result.headers, 'set-cookie')).toEqual(cookies);
    expect(headerValues(result.headers, 'x-one')).toEqual(['1']);
    expect(result.body).toBe('ok');
  });

  it('uses the status text, or the standard reason phrase', async () => {
    const statusOf = async (init: ResponseInit): Promise<string | undefined> =>
      (await collect(fromFetchHandler(() => new Response('x', init)))).status;
    expect(await statusOf({ status: 418, statusText: 'Short And Stout' })).toBe('418 Short And Stout');
    expect(await statusOf({ status: 404 })).toBe('404 Not Found');
    expect(await statusOf({ status: 299 })).toBe('299 Unknown');
  });

  it('drops hop-by-hop headers the handler sets instead of failing', async () => {
    const app = fromFetchHandler(
      () => new Response('fine', { headers: { Connection: 'close', 'Keep-Alive': 'timeout=5', 'X-Kept': 'yes' } }),
    );
    const result = await collect(app);
    expect(result.status).toBe('200 OK');
    expect(result.headers.map(([name]) => name).sort()).toEqual(['content-type', 'x-kept']);
    expect(result.body).toBe('fine');
  });

  it('cancels the handler stream when the server stops reading', async () => {
    let cancelled = false;
    let pulls = 0;
    const app = fromFetchHandler(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            pull(controller) {
              pulls += 1;
              controller.enqueue(bytes('more'));
            },
            cancel: () => void (cancelled = true),
          }),
        ),
    );
    const stop = new AbortController();
    const chunks: Uint8Array[] = [];
    const sink: ResponseSink = {
      sendHeaders: () => {},
      write(chunk) {
        chunks.push(chunk);
        if (chunks.length === 3) stop.abort();
      },
      end: () => {},
      abort: () => {},
    };
    await runApplication(app, buildEnviron({ method: 'GET', target: '/', headers: [] }), sink, { signal: stop.signal });
    expect(chunks).toHaveLength(3);
    expect(cancelled).toBe(true);
    expect(pulls).toBeLessThan(10);
  });
});

describe('toFetchHandler(fromFetchHandler(h))', () => {
  const h = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (url.pathname === '/empty') return new Response(null, { status: 204, headers: { 'X-Empty': '1' } });
    if (url.pathname === '/missing') {
      const headers = new Headers({ 'Content-Type': 'text/plain' });
      headers.append('Set-Cookie', 'a=1; Path=/');
      headers.append('Set-Cookie', 'b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT');
      return new Response('nothing here', { status: 404, statusText: 'Not Found', headers });
    }
    const body = request.body ? await request.text() : '';
    const info = `${request.method} ${url.pathname}${url.search} x-test=${request.headers.get('x-test')} body=${body}`;
    return new Response(request.method === 'HEAD' ? null : info, { headers: { 'X-Path': url.pathname } });
  };
  const roundTrip = toFetchHandler(fromFetchHandler(h));

  const requests: Array<[string, () => Request]> = [
    ['GET with query and header', () => new Request('http://example.com/caf%C3%A9/x%20y?q=1&r=%2F', { headers: { 'X-Test': 'a' } })],
    ['POST with body', () => new Request('http://example.com/submit', { method: 'POST', body: 'payload=1' })],
    ['HEAD', () => new Request('http://example.com/head', { method: 'HEAD' })],
    ['204', () => new Request('http://example.com/empty')],
    ['404 with cookies', () => new Request('http://example.com/missing')],
  ];

  it.each(requests)('%s gives the same response as calling h directly', async (_name, makeRequest) => {
    const direct = await h(makeRequest());
    const viaTsgi = await roundTrip(makeRequest());
    expect(viaTsgi.status).toBe(direct.status);
    // TSGI status lines always carry a reason phrase, so an empty statusText comes back as the standard one.
    expect(viaTsgi.statusText).toBe(direct.statusText || STATUS_CODES[direct.status]);
    expect([...viaTsgi.headers]).toEqual([...direct.headers]);
    expect(viaTsgi.headers.getSetCookie()).toEqual(direct.headers.getSetCookie());
    expect(viaTsgi.body === null).toBe(direct.body === null);
    expect(await viaTsgi.text()).toBe(await direct.text());
  });

  it('really runs through TSGI (the request reaches h rebuilt from the environ)', async () => {
    const response = await roundTrip(
      new Request('http://example.com/caf%C3%A9/x%20y?q=1', { method: 'PUT', body: 'data', headers: { 'X-Test': 'b' } }),
    );
    expect(await response.text()).toBe('PUT /caf%C3%A9/x%20y?q=1 x-test=b body=data');
  });
});
