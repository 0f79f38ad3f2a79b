/**
 * Where the generator's words go. Human text goes to stdout, errors and
 * warnings to stderr; `--quiet` keeps only those, `--verbose` adds the
 * commands run, and `--json` keeps stdout for the one JSON object at the end
 * (warnings are collected into it). Colour only where node's styleText allows
 * it: a terminal and no NO_COLOR.
 */
import { styleText } from 'node:util';
import type { OutputOptions } from './options.js';

type Style = Parameters<typeof styleText>[0];

export class Output {
  readonly warnings: string[] = [];

  constructor(readonly options: OutputOptions) {}

  /** Whether human text is printed at all. */
  get human(): boolean {
    return !this.options.json && !this.options.quiet;
  }

  info(text: string): void {
    if (this.human) process.stdout.write(`${text}\n`);
  }

  /** Only with --verbose. */
  detail(text: string): void {
    if (this.human && this.options.verbose) process.stdout.write(`${this.style('dim', text)}\n`);
  }

  warn(text: string): void {
    this.warnings.push(text);
    if (!this.options.json) process.stderr.write(`${this.style('yellow', 'warning:')} ${text}\n`);
  }

  /** Errors are printed even with --quiet; with --json they go into the object instead. */
  error(text: string): void {
    if (!this.options.json) process.stderr.write(`${text}\n`);
  }

  style(format: Style, text: string): string {
    return styleText(format, text);
  }

  /** The one object `--json` prints. */
  json(value: Record<string, unknown>): void {
    if (this.options.json) process.stdout.write(`${JSON.stringify({ ...value, warnings: this.warnings }, null, 2)}\n`);
  }
}
