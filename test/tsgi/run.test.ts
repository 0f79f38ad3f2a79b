import { describe, expect, it } from 'vitest';
import { buildEnviron } from '../../src/runtime/tsgi/environ.js';
import { TsgiError } from '../../src/runtime/tsgi/errors.js';
import { BodyReader } from '../../src/runtime/tsgi/input.js';
import { runApplication, type ResponseSink } from '../../src/runtime/tsgi/run.js';
import type { Application, Body, Environ, ErrorStream, Header } from '../../src/runtime/tsgi/types.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const EMPTY = new Uint8Array(0);
const TEXT: Header[] = [['Content-Type', 'text/plain']];

/** Records what the server did, in order, next to events the test app logs. */
class RecordingSink implements ResponseSink {
  events: string[] = [];
  status: string | undefined;
  headers: Header[] = [];
  chunks: Uint8Array[] = [];
  ended = false;
  aborted: Error | undefined;
  onWrite: (() => void) | undefined;
  sendHeaders(status: string, headers: Header[]): void {
    this.events.push('headers');
    this.status = status;
    this.headers = headers;
  }
  write(chunk: Uint8Array): void {
    this.events.push(`write:${Buffer.from(chunk).toString()}`);
    this.chunks.push(chunk);
    this.onWrite?.();
  }
  end(lastChunk?: Uint8Array): void {
    if (lastChunk) this.write(lastChunk);
    this.events.push('end');
    this.ended = true;
  }
  abort(error: Error): void {
    this.events.push('abort');
    this.aborted = error;
  }
  get text(): string {
    return Buffer.concat(this.chunks).toString();
  }
}

interface Harness {
  sink: RecordingSink;
  environ: Environ;
  errors: ErrorStream & { text: string };
}

function harness(method = 'GET'): Harness {
  const errors = {
    text: '',
    write(text: string) {
      this.text += text;
    },
    flush() {},
  };
  const environ = buildEnviron({ method, target: '/', headers: [], errors });
  return { sink: new RecordingSink(), environ, errors };
}

async function serve(app: Application, options: { method?: string; signal?: AbortSignal } = {}): Promise<Harness> {
  const h = harness(options.method);
  await runApplication(app, h.environ, h.sink, options.signal ? { signal: options.signal } : {});
  return h;
}

/** An app answering 200 with the given extra headers and body. */
const answer =
  (body: Body, headers: Header[] = TEXT): Application =>
  (_environ, startResponse) => {
    startResponse('200 OK', headers);
    return body;
  };

function expect500(h: Harness): void {
  expect(h.sink.status).toBe('500 Internal Server Error');
  expect(h.sink.text).toBe('Internal Server Error\n');
  expect(h.sink.ended).toBe(true);
}

describe('runApplication: when headers go out', () => {
  it('sends headers with the first non-empty chunk, not before', async () => {
    const h = harness();
    const app: Application = (_environ, startResponse) => {
      startResponse('200 OK', TEXT);
      return (async function* () {
        h.sink.events.push('app:empty');
        yield EMPTY;
        h.sink.events.push('app:data');
        yield bytes('hi');
      })();
    };
    await runApplication(app, h.environ, h.sink);
    expect(h.sink.events).toEqual(['app:empty', 'app:data', 'headers', 'write:hi', 'end']);
  });

  it('still answers 500 when the app yields an empty chunk and then throws', async () => {
    const h = await serve(
      answer(
        (function* () {
          yield EMPTY;
          throw new Error('boom');
        })(),
      ),
    );
    expect500(h);
    expect(h.sink.aborted).toBeUndefined();
  });

  it('sends headers at the end for an empty body', async () => {
    const h = harness();
    const app = answer(
      (async function* () {
        yield EMPTY;
        h.sink.events.push('app:finished');
      })(),
    );
    await runApplication(app, h.environ, h.sink);
    expect(h.sink.events).toEqual(['app:finished', 'headers', 'end']);
    expect(h.sink.status).toBe('200 OK');
  });

  it('sends write() bytes before the returned body', async () => {
    const app: Application = (_environ, startResponse) => {
      startResponse('200 OK', TEXT)(bytes('first '));
      return [bytes('second')];
    };
    expect((await serve(app)).sink.text).toBe('first second');
  });
});

describe('runApplication: startResponse', () => {
  it('refuses a second call without excInfo', async () => {
    const app: Application = (_environ, startResponse) => {
      startResponse('200 OK', TEXT);
      startResponse('404 Not Found', TEXT);
      return [];
    };
    const h = await serve(app);
    expect500(h);
    expect(h.errors.text).toMatch(/startResponse called a second time without excInfo/);
  });

  it('lets a call with excInfo replace status and headers before they are sent', async () => {
    const app: Application = (_environ, startResponse) => {
      startResponse('200 OK', [...TEXT, ['X-First', '1']]);
      return (function* () {
        try {
          throw new Error('late failure');
        } catch (error) {
          startResponse('503 Service Unavailable', [['Content-Type', 'text/html']], error);
          yield bytes('sorry');
        }
      })();
    };
    const { sink } = await serve(app);
    expect(sink.status).toBe('503 Service Unavailable');
    expect(sink.headers).toEqual([['Content-Type', 'text/html']]);
    expect(sink.text).toBe('sorry');
  });

  it('rethrows excInfo once the headers are sent', async () => {
    const failure = new Error('after headers');
    const app: Application = (_environ, startResponse) => {
      startResponse('200 OK', TEXT);
      return (function* () {
        yield bytes('partial');
        try {
          throw failure;
        } catch (error) {
          startResponse('500 Internal Server Error', TEXT, error);
          yield bytes('not reached');
        }
      })();
    };
    const { sink } = await serve(app);
    expect(sink.status).toBe('200 OK');
    expect(sink.text).toBe('partial');
    expect(sink.aborted).toBe(failure);
  });

  it.each(['Connection', 'Transfer-Encoding', 'Keep-Alive', 'Upgrade'])('refuses the hop-by-hop header %s with a 500', async (name) => {
    const h = await serve(answer([bytes('x')], [...TEXT, [name, 'x']]));
    expect500(h);
    expect(h.errors.text).toMatch(new RegExp(`hop-by-hop header ${name}`));
  });
});

describe('runApplication: Content-Length', () => {
  it('aborts when the app sends more than its Content-Length', async () => {
    const { sink } = await serve(answer([bytes('ab'), bytes('cd')].values(), [...TEXT, ['Content-Length', '3']]));
    expect(sink.text).toBe('ab');
    expect(sink.aborted?.message).toMatch(/more than its Content-Length of 3 bytes/);
    expect(sink.ended).toBe(false);
  });

  it('aborts when the app sends fewer bytes than its Content-Length', async () => {
    const { sink } = await serve(answer([bytes('ab')].values(), [...TEXT, ['Content-Length', '5']]));
    expect(sink.aborted?.message).toMatch(/sent 2 of the 5 bytes/);
    expect(sink.ended).toBe(false);
  });

  it('adds a Content-Length to an array body', async () => {
    const { sink } = await serve(answer([bytes('ab'), bytes('cde')]));
    expect(sink.headers).toContainEqual(['Content-Length', '5']);
    expect(sink.text).toBe('abcde');
  });

  it('adds none to a streamed body', async () => {
    const { sink } = await serve(answer([bytes('ab')].values()));
    expect(sink.headers.some(([name]) => name.toLowerCase() === 'content-length')).toBe(false);
  });
});

describe('runApplication: HEAD', () => {
  it('sends headers but no body bytes', async () => {
    const { sink } = await serve(answer([bytes('hello')]), { method: 'HEAD' });
    expect(sink.status).toBe('200 OK');
    expect(sink.headers).toContainEqual(['Content-Length', '5']);
    expect(sink.chunks).toEqual([]);
    expect(sink.ended).toBe(true);
  });

  it('sends no body bytes from a stream or write() either', async () => {
    const app: Application = (_environ, startResponse) => {
      startResponse('200 OK', TEXT)(bytes('written'));
      return (async function* () {
        yield bytes('streamed');
      })();
    };
    const { sink } = await serve(app, { method: 'HEAD' });
    expect(sink.chunks).toEqual([]);
    expect(sink.ended).toBe(true);
  });
});

describe('runApplication: close()', () => {
  /** A body over `chunks` that counts close() calls and can fail after some chunks. */
  function closable(chunks: Uint8Array[], failAfter = Infinity): Body & { closes: number } {
    const body = {
      closes: 0,
      *[Symbol.iterator]() {
        let sent = 0;
        for (const chunk of chunks) {
          if (sent++ === failAfter) throw new Error('mid-body failure');
          yield chunk;
        }
      },
      close() {
        body.closes++;
      },
    };
    return body;
  }

  it('is called once on success', async () => {
    const body = closable([bytes('a')]);
    const { sink } = await serve(answer(body));
    expect(sink.ended).toBe(true);
    expect(body.closes).toBe(1);
  });

  it('is called once when the app fails mid-iteration', async () => {
    const body = closable([bytes('a'), bytes('b')], 1);
    const { sink } = await serve(answer(body));
    expect(sink.aborted?.message).toBe('mid-body failure');
    expect(body.closes).toBe(1);
  });

  it('is called once when the client disconnects', async () => {
    const controller = new AbortController();
    const body = closable([bytes('a'), bytes('b'), bytes('c')]);
    const h = harness();
    h.sink.onWrite = () => controller.abort();
    await runApplication(answer(body), h.environ, h.sink, { signal: controller.signal });
    expect(h.sink.text).toBe('a');
    expect(h.sink.aborted?.message).toBe('client disconnected');
    expect(body.closes).toBe(1);
  });

  it('stops an async generator body on disconnect, running its finally', async () => {
    const controller = new AbortController();
    let produced = 0;
    let finished = false;
    const body = (async function* () {
      try {
        // Bounded, so a server that ignores the signal fails the test instead of hanging it.
        while (produced < 100) {
          produced++;
          yield bytes('tick');
        }
      } finally {
        finished = true;
      }
    })();
    const h = harness();
    h.sink.onWrite = () => controller.abort();
    await runApplication(answer(body), h.environ, h.sink, { signal: controller.signal });
    expect(finished).toBe(true);
    expect(produced).toBeLessThanOrEqual(2);
    expect(h.sink.aborted?.message).toBe('client disconnected');
  });

  it('reports an error thrown by close() on wsgi.errors', async () => {
    const body = Object.assign([bytes('a')], {
      close() {
        throw new Error('close failed');
      },
    });
    const h = await serve(answer(body));
    expect(h.sink.ended).toBe(true);
    expect(h.errors.text).toMatch(/close failed/);
  });
});

describe('runApplication: a client that leaves while the body waits', () => {
  it('stops waiting and calls close() at once, without a next chunk', async () => {
    let release: () => void = () => {};
    const waiting = new Promise<void>((resolve) => (release = resolve));
    let closed = 0;
    async function* events(): AsyncGenerator<Uint8Array> {
      yield bytes('first\n');
      await waiting; // an event that never comes, unless close() ends the wait
      yield bytes('never sent\n');
    }
    const body = Object.assign(events(), {
      close() {
        closed += 1;
        release();
      },
    });
    let leave: () => void = () => {};
    const left = new Promise<void>((resolve) => (leave = resolve));
    const signal = { aborted: false, whenAborted: () => left };
    const h = harness();
    const run = runApplication(answer(body), h.environ, h.sink, { signal });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(h.sink.text).toBe('first\n');
    signal.aborted = true;
    leave();
    await run;
    expect(closed).toBe(1);
    expect(h.sink.aborted?.message).toBe('client disconnected');
    expect(h.sink.text).toBe('first\n');
  });
});

describe('runApplication: errors', () => {
  it('answers 500 with a stack on wsgi.errors when the app throws before headers', async () => {
    const app: Application = () => {
      throw new Error('boom');
    };
    const h = await serve(app);
    expect500(h);
    expect(h.errors.text).toMatch(/Error handling GET \/: Error: boom\n\s+at /);
  });

  it('aborts the sink when the app throws after headers', async () => {
    const h = await serve(
      answer(
        (function* () {
          yield bytes('partial');
          throw new Error('late');
        })(),
      ),
    );
    expect(h.sink.events).toEqual(['headers', 'write:partial', 'abort']);
    expect(h.sink.aborted?.message).toBe('late');
    expect(h.errors.text).toMatch(/Error: late/);
  });

  it('answers 500 with a clear message when the app returns a string', async () => {
    const h = await serve(answer('hello' as unknown as Body));
    expect500(h);
    expect(h.errors.text).toMatch(/the application returned a string; return an iterable of Uint8Array chunks/);
  });

  it('rethrows instead of answering when raiseErrors is set', async () => {
    const h = harness();
    const app: Application = () => {
      throw new TsgiError('raised');
    };
    await expect(runApplication(app, h.environ, h.sink, { raiseErrors: true })).rejects.toThrow('raised');
    expect(h.sink.events).toEqual([]);
  });
});

describe('BodyReader (wsgi.input)', () => {
  const text = (data: Uint8Array): string => Buffer.from(data).toString();
  const lines = (list: Uint8Array[]): string[] => list.map(text);

  /** A source yielding `chunks`, counting how many it was asked for. */
  function source(chunks: string[]): AsyncIterable<Uint8Array> & { pulled: number } {
    const result = {
      pulled: 0,
      async *[Symbol.asyncIterator]() {
        for (const chunk of chunks) {
          result.pulled++;
          yield bytes(chunk);
        }
      },
    };
    return result;
  }

  it('read(n) returns at most n bytes across chunks, then empty', async () => {
    const reader = new BodyReader(source(['hel', 'lo wor', 'ld']));
    expect(text(await reader.read(4))).toBe('hell');
    expect(text(await reader.read(4))).toBe('o wo');
    expect(text(await reader.read(100))).toBe('rld');
    expect((await reader.read(1)).byteLength).toBe(0);
  });

  it('read() returns everything that is left', async () => {
    const reader = new BodyReader(source(['ab', 'cd', 'ef']));
    await reader.read(1);
    expect(text(await reader.read())).toBe('bcdef');
    expect((await reader.read()).byteLength).toBe(0);
  });

  it('readline() returns whole lines, even across chunks', async () => {
    const reader = new BodyReader(source(['a\nb', 'b\ncc', 'c']));
    expect(text(await reader.readline())).toBe('a\n');
    expect(text(await reader.readline())).toBe('bb\n');
    expect(text(await reader.readline())).toBe('ccc');
    expect((await reader.readline()).byteLength).toBe(0);
  });

  it('readline(size) stops at size bytes, and the rest of the line follows', async () => {
    const reader = new BodyReader(source(['abcd\n', 'ef\n']));
    expect(text(await reader.readline(2))).toBe('ab');
    expect(text(await reader.readline(10))).toBe('cd\n');
    expect(text(await reader.readline(3))).toBe('ef\n');
  });

  it('readline(size) does not wait for more data once it has size bytes', async () => {
    const src = source(['abcdef', 'gh\n']);
    const reader = new BodyReader(src);
    expect(text(await reader.readline(2))).toBe('ab');
    expect(src.pulled).toBe(1);
  });

  it('readlines() returns all remaining lines', async () => {
    const reader = new BodyReader(source(['one\ntw', 'o\nthree']));
    expect(lines(await reader.readlines())).toEqual(['one\n', 'two\n', 'three']);
  });

  it('async iteration yields lines', async () => {
    const seen: string[] = [];
    for await (const line of BodyReader.of('x\ny\n')) seen.push(text(line));
    expect(seen).toEqual(['x\n', 'y\n']);
  });

  it('never reads past limit', async () => {
    const src = source(['hello', ' world', '!!!']);
    const reader = new BodyReader(src, 8);
    expect(text(await reader.read())).toBe('hello wo');
    expect((await reader.read()).byteLength).toBe(0);
    // Once the limit is reached the source is not asked for more.
    expect(src.pulled).toBe(2);
  });

  it('never reads past limit through readline', async () => {
    const reader = new BodyReader(source(['ab\ncd', 'ef\n']), 4);
    expect(lines(await reader.readlines())).toEqual(['ab\n', 'c']);
  });
});
