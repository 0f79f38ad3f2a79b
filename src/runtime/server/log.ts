/** The error log, in gunicorn's line format: `[time] [pid] [LEVEL] message`. */

export const LOG_LEVELS = ['debug', 'info', 'warning', 'error', 'critical'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

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
