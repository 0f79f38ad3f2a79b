import { describe, expect, it } from 'vitest';
import { buildEnviron } from '../../src/runtime/tsgi/environ.js';
import { BodyReader } from '../../src/runtime/tsgi/input.js';
import { runApplication, type ResponseSink } from '../../src/runtime/tsgi/run.js';
import type { Application, Body, Environ, ErrorStream, Header, StartResponse } from '../../src/runtime/tsgi/types.js';
import { ValidationError, validate } from '../../src/runtime/tsgi/validate.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const TEXT: Header[] = [['Content-Type', 'text/plain']];

class CollectingSink implements ResponseSink {
  status: string | undefined;
  headers: Header[] = [];
  chunks: Uint8Array[] = [];
  ended = false;
  aborted: Error | undefined;
  sendHeaders(status: string, headers: Header[]): void {
    this.status = status;
    this.headers = headers;
  }
  write(chunk: Uint8Array): void {
    this.chunks.push(chunk);
  }
  end(lastChunk?: Uint8Array): void {
    if (lastChunk) this.chunks.push(lastChunk);
    this.ended = true;
  }
  abort(error: Error): void {
    this.aborted = error;
  }
  get text(): string {
    return Buffer.concat(this.chunks).toString();
  }
}

function collectingErrors(): ErrorStream & { text: string } {
  return {
    text: '',
    write(text: string) {
      this.text += text;
    },
    flush() {},
  };
}

function makeEnviron(body = ''): Environ {
  return buildEnviron({ method: 'GET', target: '/', headers: [], input: BodyReader.of(body), errors: collectingErrors() });
}

/** A copy of a valid environ with some keys changed (`undefined` removes one). */
function environWith(changes: Record<string, unknown>): Environ {
  const environ: Record<string, unknown> = { ...makeEnviron() };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete environ[key];
    else environ[key] = value;
  }
  return environ as Environ;
}

async function run(app: Application, environ: Environ = makeEnviron()): Promise<CollectingSink> {
  const sink = new CollectingSink();
  await runApplication(app, environ, sink, { raiseErrors: true });
  return sink;
}

async function expectViolation(promise: Promise<unknown>, message: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as Error).message).toMatch(message);
}

const ok: Application = (_environ, startResponse) => {
  startResponse('200 OK', TEXT);
  return [bytes('ok')];
};

/** An app that calls startResponse with the given arguments. */
const responding =
  (status: string, headers: Header[]): Application =>
  (_environ, startResponse) => {
    startResponse(status, headers);
    return [];
  };

/** An app that starts a 200 and returns `value`, which need not be a valid body. */
const returning =
  (value: unknown): Application =>
  (_environ, startResponse) => {
    startResponse('200 OK', TEXT);
    return value as Body;
  };

/** Calls a validated app directly, as a server would, and returns its wrapped body. */
async function callDirect(app: Application): Promise<Body> {
  const startResponse: StartResponse = () => () => {};
  return validate(app)(makeEnviron(), startResponse);
}

async function drain(body: Body): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  if (Symbol.asyncIterator in body) for await (const chunk of body) out.push(chunk);
  else for (const chunk of body) out.push(chunk);
  return out;
}

describe('validate: correct applications pass through unchanged', () => {
  const apps: Record<string, Application> = {
    'sync array body': ok,
    'async generator body': (_environ, startResponse) =>
      (async function* () {
        startResponse('200 OK', TEXT);
        yield bytes('hello ');
        yield bytes('world');
      })(),
    'write()-based body': (_environ, startResponse) => {
      const write = startResponse('200 OK', TEXT);
      write(bytes('written'));
      return [];
    },
  };
  for (const [name, app] of Object.entries(apps)) {
    it(name, async () => {
      const plain = await run(app);
      const checked = await run(validate(app));
      expect(checked.status).toBe(plain.status);
      expect(checked.headers).toEqual(plain.headers);
      expect(checked.text).toBe(plain.text);
      expect(checked.ended).toBe(true);
      expect(plain.text.length).toBeGreaterThan(0);
    });
  }

  it('keeps an array body an array, so the server still adds Content-Length', async () => {
    const sink = await run(validate(ok));
    expect(sink.headers).toContainEqual(['Content-Length', '2']);
  });

  it('accepts a second startResponse that carries the caught error', async () => {
    const app: Application = (_environ, startResponse) => {
      startResponse('200 OK', TEXT);
      startResponse('500 Internal Server Error', TEXT, new Error('boom'));
      return [bytes('failed')];
    };
    expect((await run(validate(app))).status).toBe('500 Internal Server Error');
  });

  it('does not require a Content-Type for 1xx or 204', async () => {
    await run(validate(responding('204 No Content', [])));
    await run(validate(responding('103 Early Hints', [])));
  });
});

describe('validate: environ (server side)', () => {
  it('startResponse must be a function', async () => {
    await expectViolation(validate(ok)(makeEnviron(), null as unknown as StartResponse) as Promise<Body>, /startResponse: must be a function/);
  });

  it('environ must be an object', async () => {
    await expectViolation(validate(ok)(null as unknown as Environ, () => () => {}) as Promise<Body>, /environ: must be an object/);
  });

  it.each([
    'REQUEST_METHOD', 'SCRIPT_NAME', 'PATH_INFO', 'QUERY_STRING', 'SERVER_NAME', 'SERVER_PORT', 'SERVER_PROTOCOL',
    'wsgi.version', 'wsgi.url_scheme', 'wsgi.input', 'wsgi.errors', 'wsgi.multithread', 'wsgi.multiprocess', 'wsgi.run_once',
  ])('required key %s must be present', async (key) => {
    await expectViolation(run(validate(ok), environWith({ [key]: undefined })), new RegExp(`required key ${key} is missing`));
  });

  it.each(['HTTP_CONTENT_TYPE', 'HTTP_CONTENT_LENGTH'])('%s must not be set', async (key) => {
    await expectViolation(run(validate(ok), environWith({ [key]: 'x' })), new RegExp(`${key} must not be set`));
  });

  it('CGI variables must be strings', async () => {
    await expectViolation(run(validate(ok), environWith({ SERVER_PORT: 80 })), /CGI variable SERVER_PORT must be a string/);
  });

  it('wsgi.version must be [1, 0]', async () => {
    await expectViolation(run(validate(ok), environWith({ 'wsgi.version': [1, 1] })), /wsgi.version must be \[1, 0\]/);
  });

  it("wsgi.url_scheme must be 'http' or 'https'", async () => {
    await expectViolation(run(validate(ok), environWith({ 'wsgi.url_scheme': 'ftp' })), /wsgi.url_scheme must be/);
  });

  it('REQUEST_METHOD must be an upper-case token', async () => {
    await expectViolation(run(validate(ok), environWith({ REQUEST_METHOD: 'get' })), /REQUEST_METHOD must be an upper-case token/);
  });

  it.each(['SCRIPT_NAME', 'PATH_INFO'])("%s must be empty or start with '/'", async (key) => {
    await expectViolation(run(validate(ok), environWith({ [key]: 'app' })), new RegExp(`${key} must be empty or start with '/'`));
  });

  it("SCRIPT_NAME must not be '/'", async () => {
    await expectViolation(run(validate(ok), environWith({ SCRIPT_NAME: '/' })), /SCRIPT_NAME cannot be '\/'/);
  });

  it('CONTENT_LENGTH must be digits', async () => {
    await expectViolation(run(validate(ok), environWith({ CONTENT_LENGTH: '-1' })), /CONTENT_LENGTH must be digits/);
  });

  it('wsgi.input must have read, readline, readlines and async iteration', async () => {
    const input = { read: async () => new Uint8Array(0), readlines: async () => [], async *[Symbol.asyncIterator]() {} };
    await expectViolation(run(validate(ok), environWith({ 'wsgi.input': input })), /wsgi.input must have/);
  });

  it('wsgi.errors must have write and flush', async () => {
    await expectViolation(run(validate(ok), environWith({ 'wsgi.errors': { write() {} } })), /wsgi.errors must have write\(\) and flush\(\)/);
  });
});

describe('validate: startResponse (application side)', () => {
  it('status must follow "200 OK"', async () => {
    await expectViolation(run(validate(responding('200', TEXT))), /startResponse: status "200" must be three digits/);
  });

  it('status code must be at least 100', async () => {
    await expectViolation(run(validate(responding('099 Too Low', TEXT))), /startResponse: status "099 Too Low"/);
  });

  it('headers must be [name, value] pairs', async () => {
    const headers = [['Content-Type']] as unknown as Header[];
    await expectViolation(run(validate(responding('200 OK', headers))), /startResponse: each header must be a \[name, value\] pair/);
  });

  it('header values must not hold control characters', async () => {
    await expectViolation(run(validate(responding('200 OK', [...TEXT, ['X-A', 'a\r\nb']]))), /startResponse: header X-A has a value/);
  });

  it('hop-by-hop headers are refused', async () => {
    await expectViolation(run(validate(responding('200 OK', [...TEXT, ['Connection', 'close']]))), /startResponse: hop-by-hop header Connection/);
  });

  it('a Status header is refused', async () => {
    await expectViolation(run(validate(responding('200 OK', [...TEXT, ['Status', '404']]))), /Status header is not allowed/);
  });

  it.each(['X-Foo-', 'X-Foo_'])('header name %s must not end with - or _', async (name) => {
    await expectViolation(run(validate(responding('200 OK', [...TEXT, [name, '1']]))), /must not end with '-' or '_'/);
  });

  it('a Content-Type is required for a 200', async () => {
    await expectViolation(run(validate(responding('200 OK', []))), /Content-Type header is required for a 200/);
  });

  it.each(['204 No Content', '304 Not Modified'])('%s must not have a Content-Type', async (status) => {
    await expectViolation(run(validate(responding(status, TEXT))), /response has no body, so it must not have a Content-Type/);
  });

  it('a second call needs excInfo', async () => {
    const app: Application = (_environ, startResponse) => {
      startResponse('200 OK', TEXT);
      startResponse('500 Internal Server Error', TEXT);
      return [];
    };
    await expectViolation(run(validate(app)), /startResponse: called a second time without excInfo/);
  });

  it('excInfo must be the caught Error (not null)', async () => {
    const app: Application = (_environ, startResponse) => {
      startResponse('200 OK', TEXT, null);
      return [];
    };
    await expectViolation(run(validate(app)), /excInfo must be the caught Error.*got null/);
  });

  it('write() only takes a Uint8Array', async () => {
    const app: Application = (_environ, startResponse) => {
      startResponse('200 OK', TEXT)('text' as unknown as Uint8Array);
      return [];
    };
    await expectViolation(run(validate(app)), /write\(\): takes a Uint8Array, got string/);
  });

  it('write() cannot be used after the body was closed', async () => {
    const errors = collectingErrors();
    const app: Application = (_environ, startResponse) => {
      const write = startResponse('200 OK', TEXT);
      return Object.assign([bytes('a')], { close: () => write(bytes('late')) });
    };
    const environ = { ...makeEnviron(), 'wsgi.errors': errors };
    const sink = await run(validate(app), environ);
    // run.ts reports an error from close() on wsgi.errors rather than throwing.
    expect(errors.text).toMatch(/ValidationError: write\(\): called after the response body was closed/);
    expect(sink.text).toBe('a');
  });
});

describe('validate: the body (both sides)', () => {
  it('must not be a string', async () => {
    const app = returning('hello');
    await expectViolation(run(validate(app)), /body: the application returned a string/);
  });

  it.each([
    ['Uint8Array', bytes('hi')],
    ['Buffer', Buffer.from('hi')],
  ])('must not be a single %s', async (_name, value) => {
    const app = returning(value);
    await expectViolation(run(validate(app)), /body: the application returned a single Uint8Array/);
  });

  it.each([null, undefined])('must not be %s', async (value) => {
    await expectViolation(run(validate(returning(value))), /body: the application must return an iterable of Uint8Array chunks, if only \[\]/);
  });

  it('close must be a function when present', async () => {
    await expectViolation(run(validate(returning(Object.assign([], { close: 'yes' })))), /body: close must be a function, got string/);
  });

  it('must be Iterable or AsyncIterable', async () => {
    const app = returning({ length: 0 });
    await expectViolation(run(validate(app)), /body: the application must return an Iterable or AsyncIterable/);
  });

  it('each chunk must be a Uint8Array (sync)', async () => {
    const app = returning(new Set(['text']));
    await expectViolation(run(validate(app)), /body: chunks must be Uint8Array, got string/);
  });

  it('each chunk must be a Uint8Array (async)', async () => {
    const app = ((_environ: Environ, startResponse: StartResponse) =>
      (async function* () {
        startResponse('200 OK', TEXT);
        yield 42;
      })()) as unknown as Application;
    await expectViolation(run(validate(app)), /body: chunks must be Uint8Array, got number/);
  });

  it('startResponse must come before the first chunk', async () => {
    const app: Application = (_environ, startResponse) =>
      (function* () {
        yield bytes('early');
        startResponse('200 OK', TEXT);
      })();
    await expectViolation(run(validate(app)), /body: a chunk was yielded before startResponse/);
  });

  it('startResponse must come before an empty body ends', async () => {
    const app: Application = () => (async function* () {})();
    await expectViolation(run(validate(app)), /body: the body ended without startResponse/);
  });

  it('an array body needs startResponse before it is returned', async () => {
    const app: Application = () => [];
    await expectViolation(callDirect(app), /body: the body ended without startResponse/);
  });

  it.each([
    ['sync', (): Iterable<Uint8Array> => [bytes('a')].values()],
    ['async', (): AsyncIterable<Uint8Array> => (async function* () { yield bytes('a'); })()],
  ])('a %s body may be iterated only once', async (_kind, makeBody) => {
    const body = await callDirect((_environ, startResponse) => {
      startResponse('200 OK', TEXT);
      return makeBody();
    });
    await drain(body);
    await expectViolation(drain(body), /body: iterated a second time/);
  });

  it('close() is forwarded and may be called only once', async () => {
    let closes = 0;
    const body = await callDirect((_environ, startResponse) => {
      startResponse('200 OK', TEXT);
      return Object.assign([bytes('a')].values(), { close: () => void closes++ });
    });
    await body.close?.();
    expect(closes).toBe(1);
    expect(() => body.close?.()).toThrow(ValidationError);
    expect(() => body.close?.()).toThrow(/body: close\(\) called twice/);
    expect(closes).toBe(1);
  });

  it('the body may not be iterated after close()', async () => {
    const body = await callDirect((_environ, startResponse) => {
      startResponse('200 OK', TEXT);
      return [bytes('a')].values();
    });
    await body.close?.();
    await expectViolation(drain(body), /body: iterated after close\(\)/);
  });

  it('keeps sync bodies sync and async bodies async, and stops the inner generator early', async () => {
    const sync = await callDirect((_environ, startResponse) => {
      startResponse('200 OK', TEXT);
      return [bytes('a')].values();
    });
    expect(Symbol.iterator in sync && !(Symbol.asyncIterator in sync)).toBe(true);
    let finished = false;
    const asyncBody = await callDirect((_environ, startResponse) => {
      startResponse('200 OK', TEXT);
      return (async function* () {
        try {
          yield bytes('a');
          yield bytes('b');
        } finally {
          finished = true;
        }
      })();
    });
    expect(Symbol.asyncIterator in asyncBody).toBe(true);
    if (!(Symbol.asyncIterator in asyncBody)) return;
    for await (const chunk of asyncBody) {
      expect(chunk).toEqual(bytes('a'));
      break;
    }
    expect(finished).toBe(true);
  });
});

describe('validate: wsgi.input and wsgi.errors', () => {
  /** An app that reads its input with `read` and echoes it. */
  const reading =
    (read: (input: Environ['wsgi.input']) => Promise<Uint8Array | Uint8Array[]>): Application =>
    async (environ, startResponse) => {
      const data = await read(environ['wsgi.input']);
      startResponse('200 OK', TEXT);
      return Array.isArray(data) ? data : [data];
    };

  it.each([-1, 1.5, '3'])('read(size) refuses %s', async (size) => {
    const app = reading((input) => input.read(size as number));
    await expectViolation(run(validate(app)), /wsgi.input: read\(size\) takes a non-negative integer/);
  });

  it('readline(size) refuses a negative size', async () => {
    await expectViolation(run(validate(reading((input) => input.readline(-2)))), /wsgi.input: readline\(size\) takes a non-negative integer/);
  });

  it('forwards read, readline, readlines and iteration to the real input', async () => {
    const body = 'one\ntwo\nthree\n';
    const read = async (fn: (input: Environ['wsgi.input']) => Promise<Uint8Array | Uint8Array[]>) =>
      (await run(validate(reading(fn)), makeEnviron(body))).text;
    expect(await read((input) => input.read(5))).toBe('one\nt');
    expect(await read((input) => input.read())).toBe(body);
    expect(await read((input) => input.readline())).toBe('one\n');
    expect(await read((input) => input.readline(2))).toBe('on');
    expect(await read((input) => input.readlines())).toBe(body);
    expect(
      await read(async (input) => {
        const lines: Uint8Array[] = [];
        for await (const line of input) lines.push(line);
        return lines;
      }),
    ).toBe(body);
  });

  it('the server input must give Uint8Array', async () => {
    const input = {
      read: async () => 'text',
      readline: async () => 'text',
      readlines: async () => [],
      async *[Symbol.asyncIterator]() {},
    };
    await expectViolation(run(validate(reading((i) => i.read(1))), environWith({ 'wsgi.input': input })), /wsgi.input: read\(\) must give Uint8Array/);
  });

  it('wsgi.errors.write() only takes strings, and forwards them', async () => {
    const errors = collectingErrors();
    const app: Application = (environ, startResponse) => {
      environ['wsgi.errors'].write('logged\n');
      environ['wsgi.errors'].flush();
      environ['wsgi.errors'].write(bytes('x') as unknown as string);
      startResponse('200 OK', TEXT);
      return [];
    };
    await expectViolation(run(validate(app), { ...makeEnviron(), 'wsgi.errors': errors }), /wsgi.errors: write\(\) takes a string, got Uint8Array/);
    expect(errors.text).toBe('logged\n');
  });
});
