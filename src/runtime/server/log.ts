/**
 * The server's error log: gunicorn's line format, `[time] [pid] [LEVEL]
 * message`, or with `json` one object per line (`time`, `level`,
 * `message`, `pid`), the shape of the project logger's JSON lines, for a
 * production log pipeline.
 */

import { currentLogContext, LEVELS as LOG_LEVELS, type Level as LogLevel } from '../logging/index.js';
import type { ErrorStream } from '../tsgi/types.js';

export { LOG_LEVELS, type LogLevel };

function timestamp(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

/** `1 worker`, `2 workers`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

export class ErrorLog {
  private readonly threshold: number;

  constructor(
    level: LogLevel = 'info',
    private readonly json = false,
    private readonly stream: NodeJS.WritableStream = process.stderr,
  ) {
    this.threshold = LOG_LEVELS.indexOf(level);
  }

  log(level: LogLevel, message: string): void {
    if (LOG_LEVELS.indexOf(level) < this.threshold) return;
    const now = new Date();
    this.stream.write(
      this.json
        ? // Written while a request is served (its wsgi.errors), a line carries the request's ids.
          `${JSON.stringify({ time: now.toISOString(), level, message, pid: process.pid, ...currentLogContext()?.() })}\n`
        : `[${timestamp(now)}] [${process.pid}] [${level.toUpperCase()}] ${message}\n`,
    );
  }

  debug = (message: string) => this.log('debug', message);
  info = (message: string) => this.log('info', message);
  warning = (message: string) => this.log('warning', message);
  error = (message: string) => this.log('error', message);

  /**
   * `wsgi.errors` for the requests of a server logging JSON: what the app
   * writes becomes one `error` line each, its text JSON-encoded (so neither a
   * newline nor a quote in it can forge a line). Text logs keep stderr as is.
   */
  errorStream(): ErrorStream | undefined {
    if (!this.json) return undefined;
    return {
      write: (text) => {
        const message = text.endsWith('\n') ? text.slice(0, -1) : text;
        if (message !== '') this.log('error', message);
      },
      flush: () => {},
    };
  }
}
