/**
 * One HTTP request on node:http, carried through the TSGI contract:
 * IncomingMessage → environ, application, ResponseSink → ServerResponse.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyReader } from '../tsgi/input.js';
import { buildEnviron, stderrStream } from '../tsgi/environ.js';
import { runApplication, type ResponseSink } from '../tsgi/run.js';
import type { Application, Header } from '../tsgi/types.js';

export interface HandlerContext {
  /** Port the listener was bound to, for SERVER_PORT. */
  serverPort: string;
  /** True when more than one worker process serves the app. */
  multiprocess: boolean;
  /** Set while draining: answers carry `Connection: close`. */
  isDraining(): boolean;
}

function* headerPairs(raw: string[]): Generator<readonly [string, string]> {
  for (let i = 0; i < raw.length; i += 2) yield [raw[i] as string, raw[i + 1] as string];
}

/** The Host header without its port, else the local address. */
function serverName(req: IncomingMessage): string {
  const host = req.headers.host;
  if (!host) return req.socket.localAddress ?? 'localhost';
  const end = host.startsWith('[') ? host.indexOf(']') + 1 : host.lastIndexOf(':');
  return end > 0 ? host.slice(0, end) : host;
}

/** Resolves on `drain`, or when the connection closes, so a gone client never stalls a write. */
function waitForDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

class NodeResponseSink implements ResponseSink {
  constructor(
    private readonly res: ServerResponse,
    private readonly context: HandlerContext,
  ) {}

  sendHeaders(status: string, headers: Header[]): void {
    const flat: string[] = [];
    for (const [name, value] of headers) flat.push(name, value);
    if (this.context.isDraining()) this.res.shouldKeepAlive = false;
    this.res.writeHead(Number(status.slice(0, 3)), status.slice(4), flat);
  }

  write(chunk: Uint8Array): void | Promise<void> {
    if (this.res.destroyed) return;
    if (!this.res.write(chunk)) return waitForDrain(this.res);
  }

  end(): void {
    this.res.end();
  }

  abort(): void {
    // The status line is out, so the only honest signal left is a cut connection.
    this.res.destroy();
  }
}

export function createRequestHandler(app: Application, context: HandlerContext) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const length = req.headers['content-length'];
    const client = { aborted: false };
    res.on('close', () => {
      if (!res.writableFinished) client.aborted = true;
    });
    const environ = buildEnviron({
      method: req.method ?? 'GET',
      target: req.url ?? '/',
      headers: headerPairs(req.rawHeaders),
      input: new BodyReader(req, length === undefined ? undefined : Number(length)),
      scheme: 'http',
      protocol: `HTTP/${req.httpVersion}`,
      serverName: serverName(req),
      serverPort: context.serverPort,
      remoteAddr: req.socket.remoteAddress,
      remotePort: req.socket.remotePort === undefined ? undefined : String(req.socket.remotePort),
      errors: stderrStream,
      multiprocess: context.multiprocess,
    });
    void runApplication(app, environ, new NodeResponseSink(res, context), { signal: client });
  };
}
