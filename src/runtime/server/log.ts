/** The error log, in gunicorn's line format: `[time] [pid] [LEVEL] message`. */

import { LEVELS as LOG_LEVELS, type Level as LogLevel } from '../logging/index.js';

export { LOG_LEVELS, type LogLevel };

function timestamp(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

export class ErrorLog {
  private readonly threshold: number;

  constructor(level: LogLevel = 'info', private readonly stream: NodeJS.WritableStream = process.stderr) {
    this.threshold = LOG_LEVELS.indexOf(level);
  }

  log(level: LogLevel, message: string): void {
    if (LOG_LEVELS.indexOf(level) < this.threshold) return;
    this.stream.write(`[${timestamp(new Date())}] [${process.pid}] [${level.toUpperCase()}] ${message}\n`);
  }

  debug = (message: string) => this.log('debug', message);
  info = (message: string) => this.log('info', message);
  warning = (message: string) => this.log('warning', message);
  error = (message: string) => this.log('error', message);
}
