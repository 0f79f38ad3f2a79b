/**
 * Application logging to stdout/stderr: JSON lines in production (one
 * object per event, for log pipelines), readable lines in development.
 * The level comes from LOG_LEVEL. `redactUrl()` masks the password of a
 * URL in whatever is shown or logged; `loggedPath()`/`loggedTarget()` give a
 * request's path with a sensitive route's values (a reset token) masked.
 *
 * Logged values often come from a request (a path, a header), so none may
 * end a line or drive a terminal: JSON lines escape every control character
 * (`\n`, ESC, C1, U+2028/9), and readable lines show them as `\n`, `\x1b`…
 * A forged `{"level":"critical",…}` stays inside the value that carried it.
 */
import { currentLogContext, type LogContext } from './context.js';
import { escapeControl, JSON_UNSAFE } from './escape.js';

export { currentLogContext, LOG_CONTEXT_MODE, withLogContext, workerExecArgv, type LogContext } from './context.js';
export { escapeControl } from './escape.js';
export { LOGGED_PATH_KEY, loggedPath, loggedPathInfo, loggedTarget, PATH_MASK, redactUrl } from './redact.js';

export const LEVELS = ['debug', 'info', 'warning', 'error', 'critical'] as const;
export type Level = (typeof LEVELS)[number];

export interface LoggerOptions {
  level: Level;
  json: boolean;
}

export type Fields = Record<string, unknown>;

/** One JSON line; JSON.stringify escapes C0 controls, the rest of JSON_UNSAFE is escaped here. */
function jsonLine(record: Record<string, unknown>): string {
  return JSON.stringify(record).replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function textValue(value: unknown): string {
  return escapeControl(typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value)));
}

/** A stack under its line, indented so no line of it can pass for a log line of its own. */
function indented(stack: string): string {
  return stack
    .split('\n')
    .map((line) => `  ${escapeControl(line)}\n`)
    .join('');
}

let contextFields: (() => Fields | undefined) | undefined;

/**
 * Fields every line gets from where it is logged, over the request's own
 * (context.ts): tracing sets the active span's `trace_id` and `span_id`
 * here when the OpenTelemetry SDK runs, so a line names the view's or the
 * query's span rather than the request's.
 */
export function setLogContext(provider: (() => Fields | undefined) | undefined): void {
  contextFields = provider;
}

export class Logger {
  private threshold: number;

  constructor(private options: LoggerOptions = { level: 'info', json: false }) {
    this.threshold = LEVELS.indexOf(options.level);
  }

  configure(options: LoggerOptions): void {
    this.options = options;
    this.threshold = LEVELS.indexOf(options.level);
  }

  /** `context`: the request the line is for, when the caller knows it (`request.log`); else the one being served here. */
  log(level: Level, message: string, fields: Fields = {}, context: LogContext | undefined = currentLogContext()): void {
    if (LEVELS.indexOf(level) < this.threshold) return;
    const stream = LEVELS.indexOf(level) >= LEVELS.indexOf('warning') ? process.stderr : process.stdout;
    const span = contextFields?.();
    // The request's ids are for log pipelines: a developer's readable lines stay short.
    if (!this.options.json) context = undefined;
    if (context || span) fields = { ...context?.(), ...span, ...fields };
    if (this.options.json) {
      const { time: _time, level: _level, message: _message, ...rest } = fields; // a field never replaces the line's own
      stream.write(`${jsonLine({ time: new Date().toISOString(), level, message, ...rest })}\n`);
      return;
    }
    const { stack, ...rest } = fields;
    const extra = Object.entries(rest)
      .map(([key, value]) => ` ${escapeControl(key)}=${textValue(value)}`)
      .join('');
    stream.write(`[${new Date().toISOString()}] ${level.toUpperCase()} ${escapeControl(message)}${extra}\n${typeof stack === 'string' ? indented(stack) : ''}`);
  }

  debug = (message: string, fields?: Fields) => this.log('debug', message, fields);
  info = (message: string, fields?: Fields) => this.log('info', message, fields);
  warning = (message: string, fields?: Fields) => this.log('warning', message, fields);
  error = (message: string, fields?: Fields) => this.log('error', message, fields);

  /** This logger with `context`'s fields on every line, whatever async context it is called from: `request.log`. */
  bound(context: LogContext): BoundLogger {
    return new BoundLogger(this, context);
  }
}

/** A logger bound to one request: its lines carry the request's ids after any `await`, on every node version. */
export class BoundLogger {
  constructor(
    private readonly parent: Logger,
    private readonly context: LogContext,
  ) {}

  log(level: Level, message: string, fields?: Fields): void {
    this.parent.log(level, message, fields, this.context);
  }

  debug = (message: string, fields?: Fields) => this.log('debug', message, fields);
  info = (message: string, fields?: Fields) => this.log('info', message, fields);
  warning = (message: string, fields?: Fields) => this.log('warning', message, fields);
  error = (message: string, fields?: Fields) => this.log('error', message, fields);
}

/** The project's logger, configured from settings when the application is built. */
export const logger = new Logger();
