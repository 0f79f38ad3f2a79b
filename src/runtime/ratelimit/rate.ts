/**
 * A rate as written in settings and code: `10/m` (ten a minute), `100/h`,
 * `5/s`, `1000/d`, or a window of several units: `10/5m` (ten per five
 * minutes), `3/30s`.
 */

export interface Rate {
  /** Requests allowed per window. */
  limit: number;
  /** The window, in seconds. */
  window: number;
  /** As written, for headers and messages. */
  text: string;
}

export class RateError extends Error {
  override name = 'RateError';
}

const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };
const RATE = /^\s*(\d+)\s*\/\s*(\d*)\s*([smhd])\s*$/;

export function parseRate(text: string): Rate {
  const match = typeof text === 'string' ? RATE.exec(text) : null;
  if (!match) {
    throw new RateError(`a rate is COUNT/PERIOD, e.g. '10/m' (ten a minute), '100/h', '5/s', '1000/d' or '10/5m' (ten per five minutes), got ${JSON.stringify(text)}`);
  }
  const [, count, multiple, unit] = match as unknown as [string, string, string, string];
  const limit = Number(count);
  const window = (multiple === '' ? 1 : Number(multiple)) * (UNITS[unit] as number);
  if (limit < 1) throw new RateError(`a rate allows at least one request per period, got '${text}' — to refuse everything, answer 403 instead`);
  if (window < 1) throw new RateError(`a rate's period is at least one second, got '${text}'`);
  return { limit, window, text: text.trim() };
}
