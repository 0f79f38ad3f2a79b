/**
 * Typed readers for environment variables, used by settings modules:
 * `env.bool('DEBUG', false)`. A value that cannot be read is an error naming
 * the variable, never a silent default.
 */
import { ImproperlyConfigured } from './errors.js';

type Source = NodeJS.ProcessEnv;

function raw(source: Source, name: string): string | undefined {
  const value = source[name];
  return value === undefined || value === '' ? undefined : value;
}

function required<T>(name: string, fallback: T | undefined): T {
  if (fallback === undefined) {
    throw new ImproperlyConfigured([`${name} is not set — set the ${name} environment variable`]);
  }
  return fallback;
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

export function makeEnv(source: Source = process.env) {
  return {
    str(name: string, fallback?: string): string {
      return raw(source, name) ?? required(name, fallback);
    },
    bool(name: string, fallback?: boolean): boolean {
      const value = raw(source, name)?.toLowerCase();
      if (value === undefined) return required(name, fallback);
      if (TRUE.has(value)) return true;
      if (FALSE.has(value)) return false;
      throw new ImproperlyConfigured([`${name}=${JSON.stringify(value)} is not a boolean — use true or false`]);
    },
    int(name: string, fallback?: number): number {
      const value = raw(source, name);
      if (value === undefined) return required(name, fallback);
      if (!/^-?\d+$/.test(value.trim())) {
        throw new ImproperlyConfigured([`${name}=${JSON.stringify(value)} is not an integer`]);
      }
      return Number(value);
    },
    /** Comma-separated values, blanks dropped: `a.com, b.com` → `['a.com', 'b.com']`. */
    list(name: string, fallback?: string[]): string[] {
      const value = raw(source, name);
      if (value === undefined) return required(name, fallback);
      return value.split(',').map((item) => item.trim()).filter(Boolean);
    },
  };
}

export const env = makeEnv();
