/**
 * Application logging to stdout/stderr: JSON lines in production (one
 * object per event, for log pipelines), readable lines in development.
 * The level comes from LOG_LEVEL. `redactUrl()` masks the password of a
 * URL in whatever is shown or logged.
 */
export { redactUrl } from './redact.js';

export const LEVELS = ['debug', 'info', 'warning', 'error', 'critical'] as const;
export type Level = (typeof LEVELS)[number];

export interface LoggerOptions {
  level: Level;
  json: boolean;
}

export type Fields = Record<string, unknown>;

export class Logger {
  private threshold: number;

  constructor(private options: LoggerOptions = { level: 'info', json: false }) {
    this.threshold = LEVELS.indexOf(options.level);
  }

  configure(options: LoggerOptions): void {
    this.options = options;
    this.threshold = LEVELS.indexOf(options.level);
  }

  log(level: Level, message: string, fields: Fields = {}): void {
    if (LEVELS.indexOf(level) < this.threshold) return;
    const stream = LEVELS.indexOf(level) >= LEVELS.indexOf('warning') ? process.stderr : process.stdout;
    if (this.options.json) {
      stream.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
      return;
    }
    const { stack, ...rest } = fields;
    const extra = Object.keys(rest).length > 0 ? ` ${Object.entries(rest).map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`).join(' ')}` : '';
    stream.write(`[${new Date().toISOString()}] ${level.toUpperCase()} ${message}${extra}\n${typeof stack === 'string' ? `${stack}\n` : ''}`);
  }

  debug = (message: string, fields?: Fields) => this.log('debug', message, fields);
  info = (message: string, fields?: Fields) => this.log('info', message, fields);
  warning = (message: string, fields?: Fields) => this.log('warning', message, fields);
  error = (message: string, fields?: Fields) => this.log('error', message, fields);
}

/** The project's logger, configured from settings when the application is built. */
export const logger = new Logger();
