/**
 * One HTTP request on node:http, carried through the TSGI contract:
 * limits → environ (with trusted proxy headers applied) → application →
 * ResponseSink → ServerResponse, then the access log.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { loggedTarget } from '../logging/index.js';
import { REFUSED_ROUTE, ROUTE_KEY, type RequestMetrics } from '../metrics/index.js';
import { requestLogFields } from '../tracing/index.js';
import type { ClientDisconnected } from '../tsgi/errors.js';
import { BodyReader } from '../tsgi/input.js';
import { buildEnviron, stderrStream } from '../tsgi/environ.js';
import { runApplication, type ClientSignal, type ResponseSink } from '../tsgi/run.js';
import type { Application, Environ, ErrorStream, Header } from '../tsgi/types.js';
import { AccessLog } from './access-log.js';
import { checkLimits, DEFAULT_LIMITS, type Refusal, type RequestLimits } from './limits.js';
import { lingerIfBodyUnread } from './linger.js';
import { DEFAULT_FORWARDED_ALLOW_IPS, type ServerOptions } from './options.js';
import { TrustedProxies } from './proxy.js';

export interface HandlerContext {
  /** Port the listener was bound to, for SERVER_PORT. */
  serverPort: string;
  /** True when more than one worker process serves the app. */
  multiprocess: boolean;
  /** True while draining, or always with --keep-alive 0: answers carry `Connection: close`. */
  closeConnections(): boolean;
  limits: RequestLimits;
  proxies: TrustedProxies;
  accessLog?: AccessLog | undefined;
  /** `--metrics-bind`: counts and times each request. */
  metrics?: RequestMetrics | undefined;
  /** Called once per finished response (max-requests counting). */
  onResponse?: (() => void) | undefined;
  /** `wsgi.errors` (default: stderr as is). */
  errors?: ErrorStream | undefined;
  /** Told when a client goes away before it sent its whole body: no error, nobody to answer. */
  onDisconnect?: ((error: ClientDisconnected) => void) | undefined;
}

/** The parts of a handler's context that come from the server options, defaults filled in. */
export function requestPolicy(options: Pick<ServerOptions, 'limits' | 'forwardedAllowIps' | 'accessLog'>) {
  return {
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    proxies: new TrustedProxies(options.forwardedAllowIps ?? DEFAULT_FORWARDED_ALLOW_IPS),
    accessLog: options.accessLog ? new AccessLog(options.accessLog) : undefined,
  };
}

/**
 * Where the `:` before a Host value's port is, or -1 without a port:
 * `example.com:8080`, `[::1]:80`. Scanned from the end by char code: a
 * lastIndexOf goes through the runtime, on every request.
 */
function portColon(host: string): number {
  let end: number;
  if (host.charCodeAt(0) === 0x5b /* [ */) {
    end = host.indexOf(']') + 1;
  } else {
    end = host.length - 1;
    while (end > 0 && host.charCodeAt(end) !== 0x3a /* : */) end -= 1;
  }
  if (end <= 0 || end === host.length) return -1;
  return host.charCodeAt(end) === 0x3a ? end : -1;
}

/** A connection's REMOTE_ADDR and REMOTE_PORT, as the environ has them. */
interface Peer {
  address: string | undefined;
  port: string | undefined;
}

const PEER = Symbol('tsgate.peer');
type PeerSocket = Socket & { [PEER]?: Peer };

/**
 * Reads a connection's peer once and keeps it on the socket. The socket's
 * `remoteAddress` and `remotePort` getters each go through node's
 * `_getpeername()`, whose `_handle` lookups are megamorphic: measured at
 * ~1 200 instructions a request for the two (callgrind). The worker calls
 * this as it takes a connection, so every socket has the property from the
 * start (one shape); a socket it did not see gets it on its first request.
 */
export function rememberPeer(socket: Socket): Peer {
  const port = socket.remotePort;
  const peer: Peer = { address: socket.remoteAddress, port: port === undefined ? undefined : String(port) };
  (socket as PeerSocket)[PEER] = peer;
  return peer;
}

function peerOf(socket: Socket): Peer {
  return (socket as PeerSocket)[PEER] ?? rememberPeer(socket);
}

/** Applies what a trusted proxy says about the client, scheme and host (`--forwarded-allow-ips`). */
function applyForwarded(environ: Environ, peer: string | undefined, proxies: TrustedProxies): void {
  const forFrom = environ.HTTP_X_FORWARDED_FOR as string | undefined;
  const proto = environ.HTTP_X_FORWARDED_PROTO as string | undefined;
  const host = environ.HTTP_X_FORWARDED_HOST as string | undefined;
  if (forFrom === undefined && proto === undefined && host === undefined) return;
  const forwarded = proxies.resolve(peer, { for: forFrom, proto, host });
  if (forwarded.remoteAddr !== undefined) environ.REMOTE_ADDR = forwarded.remoteAddr;
  if (forwarded.scheme !== undefined) {
    environ['wsgi.url_scheme'] = forwarded.scheme;
    environ.SERVER_PORT = forwarded.scheme === 'https' ? '443' : '80';
  }
  if (forwarded.host !== undefined) environ.HTTP_HOST = forwarded.host;
}

/** SERVER_NAME and SERVER_PORT from the Host header, as PEP 3333 reconstructs URLs; false without one. */
function applyHost(environ: Environ): boolean {
  const host = environ.HTTP_HOST as string | undefined;
  if (!host) return false;
  const colon = portColon(host);
  if (colon === -1) {
    environ.SERVER_NAME = host;
  } else {
    environ.SERVER_NAME = host.slice(0, colon);
    environ.SERVER_PORT = host.slice(colon + 1);
  }
  return true;
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

/** `'404 Not Found'` → `[404, 'Not Found']`, remembered: apps send the same few status lines. */
const STATUS_PARTS = new Map<string, [number, string]>();
function statusParts(status: string): [number, string] {
  let parts = STATUS_PARTS.get(status);
  if (!parts) {
    parts = [Number(status.slice(0, 3)), status.slice(4)];
    if (STATUS_PARTS.size < 512) STATUS_PARTS.set(status, parts);
  }
  return parts;
}

/** SERVER_PROTOCOL from the parser's numbers: looking `req.httpVersion` up would hash a fresh string per request. */
function protocolOf(req: IncomingMessage): string {
  if (req.httpVersionMajor === 1) {
    if (req.httpVersionMinor === 1) return 'HTTP/1.1';
    if (req.httpVersionMinor === 0) return 'HTTP/1.0';
  }
  return `HTTP/${req.httpVersion}`;
}

/** Sends the response and counts its body bytes for the access log. */
class NodeResponseSink implements ResponseSink {
  bytes = 0;
  /** The headers as sent, flat: node keeps no copy of headers given to writeHead as a list. */
  flatHeaders: string[] = [];

  constructor(
    private readonly res: ServerResponse,
    private readonly context: HandlerContext,
  ) {}

  sendHeaders(status: string, headers: Header[]): void {
    const [code, reason] = statusParts(status);
    const flat = new Array<string>(headers.length * 2);
    for (let i = 0; i < headers.length; i++) {
      const header = headers[i] as Header;
      flat[2 * i] = header[0];
      flat[2 * i + 1] = header[1];
    }
    this.flatHeaders = flat;
    // A 413 (the app read past the body limit) leaves the rest of that body
    // unread: close rather than read and discard it for the next request.
    if (this.context.closeConnections() || code === 413) {
      this.res.shouldKeepAlive = false;
      lingerIfBodyUnread(this.res);
    }
    this.res.writeHead(code, reason, flat);
  }

  write(chunk: Uint8Array): void | Promise<void> {
    if (this.res.destroyed) return;
    this.bytes += chunk.byteLength;
    if (!this.res.write(chunk)) return waitForDrain(this.res);
  }

  end(lastChunk?: Uint8Array): void {
    if (lastChunk) {
      this.bytes += lastChunk.byteLength;
      this.res.end(lastChunk);
    } else {
      this.res.end();
    }
  }

  abort(): void {
    // The status line is out, so the only honest signal left is a cut connection.
    this.res.destroy();
  }
}

/** Whether the client went away before the response finished; read by the runner between chunks. */
class ClientState implements ClientSignal {
  constructor(private readonly res: ServerResponse) {}
  get aborted(): boolean {
    return this.res.destroyed && !this.res.writableFinished;
  }
  whenAborted(): Promise<void> {
    return new Promise((resolve) => {
      if (this.aborted) return resolve();
      this.res.once('close', () => {
        if (!this.res.writableFinished) resolve();
      });
    });
  }
}

/** Answers a request that broke a limit; it never reaches the app, and the connection is closed. */
function refuse(res: ServerResponse, refusal: Refusal): { bytes: number; flatHeaders: string[] } {
  const body = Buffer.from(`${refusal.message}\n`);
  const flatHeaders = ['Content-Type', 'text/plain; charset=utf-8', 'Content-Length', String(body.byteLength)];
  res.shouldKeepAlive = false;
  lingerIfBodyUnread(res);
  res.writeHead(Number(refusal.status.slice(0, 3)), refusal.status.slice(4), flatHeaders);
  res.end(body);
  return { bytes: body.byteLength, flatHeaders };
}

/** Flat response headers as the access log's `%({name}o)s` reads them: lower-case names, repeats joined. */
function headerMap(flat: readonly string[]): OutgoingHttpHeaders {
  const map: OutgoingHttpHeaders = {};
  for (let i = 0; i < flat.length; i += 2) {
    const name = (flat[i] as string).toLowerCase();
    const previous = map[name];
    map[name] = previous === undefined ? flat[i + 1] : `${String(previous)}, ${flat[i + 1]}`;
  }
  return map;
}

function logAccess(
  log: AccessLog,
  req: IncomingMessage,
  res: ServerResponse,
  arrived: Date,
  start: bigint,
  bytes: number,
  flatHeaders: readonly string[],
  environ?: Environ,
): void {
  log.write({
    remoteAddr: environ?.REMOTE_ADDR ?? req.socket.remoteAddress ?? '-',
    time: arrived,
    method: req.method ?? '-',
    // A sensitive route's values (a reset link's token) masked: logging/redact.ts.
    target: loggedTarget(environ, req.url ?? '-'),
    protocol: `HTTP/${req.httpVersion}`,
    status: res.statusCode,
    bytes,
    durationNs: process.hrtime.bigint() - start,
    requestHeaders: req.headers,
    responseHeaders: headerMap(flatHeaders),
    ids: environ && (() => requestLogFields(environ)),
  });
}

/**
 * The request listener. `expectsContinue` is set for a request with
 * `Expect: 100-continue` (node:http's `checkContinue` event): it is told to
 * send its body only once it passed the limits, so a body over the limit is
 * never sent at all.
 */
export function createRequestHandler(app: Application, context: HandlerContext) {
  const { limits, proxies, accessLog, onResponse, metrics } = context;
  return (req: IncomingMessage, res: ServerResponse, expectsContinue = false): void => {
    const start = accessLog ? process.hrtime.bigint() : 0n;
    const arrived = accessLog ? new Date() : undefined;
    const began = metrics ? metrics.begin() : 0;
    if (onResponse) res.once('finish', onResponse);
    const refusal = checkLimits(req, limits);
    if (refusal) {
      const { bytes, flatHeaders } = refuse(res, refusal);
      if (accessLog && arrived) logAccess(accessLog, req, res, arrived, start, bytes, flatHeaders);
      metrics?.end(began, req.method ?? '', REFUSED_ROUTE, res.statusCode, 0, bytes);
      return;
    }
    if (expectsContinue) res.writeContinue();
    const { address: peer, port } = peerOf(req.socket);
    const environ = buildEnviron({
      method: req.method ?? 'GET',
      target: req.url ?? '/',
      rawHeaders: req.rawHeaders,
      scheme: 'http',
      protocol: protocolOf(req),
      serverPort: context.serverPort,
      remoteAddr: peer,
      remotePort: port,
      errors: context.errors ?? stderrStream,
      multiprocess: context.multiprocess,
    });
    const length = environ.CONTENT_LENGTH;
    const input = new BodyReader(req, length === undefined ? undefined : Number(length), limits.body || undefined, context.onDisconnect);
    environ['wsgi.input'] = input;
    applyForwarded(environ, peer, proxies);
    if (!applyHost(environ)) environ.SERVER_NAME = req.socket.localAddress ?? 'localhost';
    const sink = new NodeResponseSink(res, context);
    if (accessLog && arrived) {
      res.once('close', () => logAccess(accessLog, req, res, arrived, start, sink.bytes, sink.flatHeaders, environ));
    }
    // `on`, not `once`: the response emits 'close' once and is dropped after it, so once's wrapper and removal are spared.
    if (metrics) res.on('close', () => metrics.end(began, environ.REQUEST_METHOD, environ[ROUTE_KEY], res.statusCode, input.bytesRead, sink.bytes));
    void runApplication(app, environ, sink, { signal: new ClientState(res) });
  };
}
