/**
 * What a system check reports: Django's CheckMessage, typed. Each message
 * has a level, an ID such as `security.W004` (silenced by listing it in
 * SILENCED_SYSTEM_CHECKS), a text and, where there is one, a hint.
 */

/** The levels, least severe first, as Django's checks.DEBUG … checks.CRITICAL. */
export const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;
export type Level = (typeof LEVELS)[number];

/** Django's numeric values, for ordering. */
export const LEVEL_VALUES: Readonly<Record<Level, number>> = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 };

export interface CheckMessage {
  readonly level: Level;
  /** `<tag or app>.<C|E|W|I|D><number>`, e.g. `security.W004`. */
  readonly id: string;
  readonly text: string;
  /** How to fix it; shown as `HINT:` under the message. */
  readonly hint?: string | undefined;
  /** What the message is about, e.g. an app; shown as `?` when absent, as in Django. */
  readonly obj?: string | undefined;
}

export function isLevel(value: string): value is Level {
  return (LEVELS as readonly string[]).includes(value);
}

/** Whether `message` is at or above `level` (ERROR by default, as Django's is_serious()). */
export function isSerious(message: CheckMessage, level: Level = 'ERROR'): boolean {
  return LEVEL_VALUES[message.level] >= LEVEL_VALUES[level];
}

function make(level: Level) {
  return (id: string, text: string, hint?: string, obj?: string): CheckMessage => ({
    level,
    id,
    text,
    ...(hint === undefined ? {} : { hint }),
    ...(obj === undefined ? {} : { obj }),
  });
}

export const debug = make('DEBUG');
export const info = make('INFO');
export const warning = make('WARNING');
export const error = make('ERROR');
export const critical = make('CRITICAL');

/** One message as Django prints it: `?: (security.W004) text`, then `\tHINT: hint` on its own line. */
export function formatMessage(message: CheckMessage): string {
  const hint = message.hint ? `\n\tHINT: ${message.hint}` : '';
  return `${message.obj ?? '?'}: (${message.id}) ${message.text}${hint}`;
}
