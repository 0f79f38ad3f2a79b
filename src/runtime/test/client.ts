/**
 * A test client after Django's: calls a TSGI application in-process, with
 * no socket, and returns what a browser would have received. Application
 * errors are thrown to the test rather than turned into a 500.
 */
import { buildEnviron } from '../tsgi/environ.js';
import { getHeader } from '../tsgi/headers.js';
import { BodyReader } from '../tsgi/input.js';
import { runApplication, type ResponseSink } from '../tsgi/run.js';
import type { Application, Environ, Header } from '../tsgi/types.js';

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Extra environ keys, e.g. `{ REMOTE_ADDR: '10.0.0.1' }`. */
  environ?: Partial<Environ>;
}

export class TestResponse {
  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly headers: Header[],
    readonly body: Uint8Array,
  ) {}

  header(name: string): string | undefined {
    return getHeader(this.headers, name);
  }

  text(): string {
    return new TextDecoder().decode(this.body);
  }

  json(): unknown {
    return JSON.parse(this.text()) as unknown;
  }
}

class CollectingSink implements ResponseSink {
  status = '';
  headers: Header[] = [];
  chunks: Uint8Array[] = [];
  sendHeaders(status: string, headers: Header[]): void {
    this.status = status;
    this.headers = headers;
  }
  write(chunk: Uint8Array): void {
    this.chunks.push(chunk);
  }
  end(lastChunk?: Uint8Array): void {
    if (lastChunk) this.chunks.push(lastChunk);
  }
  abort(error: Error): void {
    throw error;
  }
}

export class Client {
  private readonly app: Promise<Application>;

  constructor(
    app: Application | Promise<Application>,
    /** `localhost` passes host validation in DEBUG; pass a name from ALLOWED_HOSTS otherwise. */
    private readonly host = 'localhost',
  ) {
    this.app = Promise.resolve(app);
  }

  async request(method: string, target: string, options: RequestOptions = {}): Promise<TestResponse> {
    const headers: [string, string][] = [['Host', this.host], ...Object.entries(options.headers ?? {})];
    const body = options.body ?? '';
    const input = BodyReader.of(body);
    if (options.body !== undefined) {
      headers.push(['Content-Length', String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength)]);
    }
    const environ = { ...buildEnviron({ method, target, headers, input, serverName: this.host, remoteAddr: '127.0.0.1' }), ...options.environ };
    const sink = new CollectingSink();
    await runApplication(await this.app, environ as Environ, sink, { raiseErrors: true });
    return new TestResponse(Number(sink.status.slice(0, 3)), sink.status.slice(4), sink.headers, Buffer.concat(sink.chunks));
  }

  get(target: string, options?: RequestOptions) {
    return this.request('GET', target, options);
  }
  head(target: string, options?: RequestOptions) {
    return this.request('HEAD', target, options);
  }
  options(target: string, options?: RequestOptions) {
    return this.request('OPTIONS', target, options);
  }
  delete(target: string, options?: RequestOptions) {
    return this.request('DELETE', target, options);
  }
  post(target: string, body?: string | Uint8Array, options: RequestOptions = {}) {
    return this.request('POST', target, { ...options, body: body ?? options.body });
  }
  put(target: string, body?: string | Uint8Array, options: RequestOptions = {}) {
    return this.request('PUT', target, { ...options, body: body ?? options.body });
  }
  patch(target: string, body?: string | Uint8Array, options: RequestOptions = {}) {
    return this.request('PATCH', target, { ...options, body: body ?? options.body });
  }
}
