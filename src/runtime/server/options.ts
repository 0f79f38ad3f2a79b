import { availableParallelism } from 'node:os';
import type { AccessLogOptions } from './access-log.js';
import { OptionError } from './errors.js';
import type { RequestLimits } from './limits.js';
import { LOG_LEVELS, type LogLevel } from './log.js';

/** Where the server listens: a TCP address or a unix socket path. */
export type Bind = { host: string; port: number } | { path: string };

export interface ServerOptions {
  binds: Bind[];
  workers: number;
  /** Seconds an idle keep-alive connection stays open. */
  keepAlive: number;
  /** Seconds in-flight requests get to finish after a graceful stop. */
  gracefulTimeout: number;
  logLevel: LogLevel;
  /** The server's own log lines (and `wsgi.errors`) as JSON objects, as the project logger writes them with DEBUG off. */
  logJson?: boolean;
  /** Seconds a worker's event loop may stay blocked before the primary kills it; 0 never. Default 30. */
  timeout?: number;
  /** Recycle a worker after this many responses (plus up to `maxRequestsJitter`); 0 never. */
  maxRequests?: number;
  maxRequestsJitter?: number;
  /** Request line, header and body limits; gunicorn's defaults where it has them. */
  limits?: Partial<RequestLimits>;
  /** Peers whose X-Forwarded-* headers are trusted: IPs, CIDR ranges or `*`. Default 127.0.0.1 and ::1. */
  forwardedAllowIps?: string[];
  accessLog?: AccessLogOptions;
  /** Seconds a client gets to send the request headers, and the whole request. */
  headerTimeout?: number;
  requestTimeout?: number;
  /** Written by the primary at start, removed at exit. */
  pidFile?: string;
  /** Where the primary serves the workers' summed Prometheus metrics (`--metrics-bind`); none when absent. */
  metricsBind?: Bind;
  /** Called in the primary once the first `workers` workers all accept (for a supervisor or a benchmark). */
  onReady?: () => void;
}

export const DEFAULT_FORWARDED_ALLOW_IPS = ['127.0.0.1', '::1'];

// Declared in errors.ts, so that access-log.ts can throw it without importing this file.
export { OptionError };

/** Parses `host:port`, `[::1]:port`, `:port`, `port` or `unix:/path` as gunicorn does. */
export function parseBind(text: string): Bind {
  if (text.startsWith('unix:')) {
    const path = text.slice('unix:'.length);
    if (!path) throw new OptionError(`--bind ${text}: give a socket path after unix:`);
    return { path };
  }
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*))(?::(\d+))?$/.exec(text);
  const host = match?.[1] ?? match?.[2];
  if (!match || host === undefined) {
    throw new OptionError(`--bind ${text}: expected HOST:PORT, [IPV6]:PORT or unix:PATH`);
  }
  if (match[3] === undefined && /^\d+$/.test(host)) return { host: '0.0.0.0', port: checkPort(text, host) };
  return { host: host || '0.0.0.0', port: checkPort(text, match[3] ?? '8000') };
}

function checkPort(text: string, port: string): number {
  const value = Number(port);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new OptionError(`--bind ${text}: port must be 0–65535`);
  }
  return value;
}

export function formatBind(bind: Bind): string {
  if ('path' in bind) return `unix:${bind.path}`;
  const host = bind.host.includes(':') ? `[${bind.host}]` : bind.host;
  return `http://${host}:${bind.port}`;
}

/** The default worker count: `$WEB_CONCURRENCY`, else the CPU count. */
export function defaultWorkers(env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = env.WEB_CONCURRENCY;
  if (fromEnv !== undefined && fromEnv !== '') return positiveInt('WEB_CONCURRENCY', fromEnv);
  return availableParallelism();
}

export function positiveInt(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new OptionError(`${name} must be a positive integer, got ${JSON.stringify(text)}`);
  return value;
}

export function nonNegative(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new OptionError(`${name} must be a number ≥ 0, got ${JSON.stringify(text)}`);
  return value;
}

export function nonNegativeInt(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new OptionError(`${name} must be a whole number ≥ 0, got ${JSON.stringify(text)}`);
  return value;
}

export function parseLogLevel(text: string): LogLevel {
  const level = text.toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new OptionError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(text)}`);
  }
  return level as LogLevel;
}
