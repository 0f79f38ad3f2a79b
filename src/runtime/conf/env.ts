/**
 * Typed readers for environment variables, used by settings modules:
 * `env.bool('DEBUG', false)`. A value that cannot be read is an error naming
 * the variable and the fix, never a silent default. An empty variable counts
 * as unset, so `SECRET_KEY=` falls back like a missing one.
 *
 * While `configure()` imports the settings module, problems are collected
 * instead of thrown (the helper returns its fallback, or an empty value), so
 * every bad variable is reported at once together with the settings checks.
 */
import { ImproperlyConfigured } from './errors.js';
import { redactUrl } from '../logging/index.js';

type Source = NodeJS.ProcessEnv;

/** A variable that could not be read, and what to do about it. */
export interface EnvProblem {
  name: string;
  message: string;
}

let collected: EnvProblem[] | undefined;

/** What env.url gives for a bad or missing variable while configure() collects; the checks skip it. */
export const PLACEHOLDER_URL = 'about:blank';

/** From now on env problems are recorded rather than thrown; see `endEnvCollection`. */
export function beginEnvCollection(): void {
  collected = [];
}

/** Stops collecting and returns what was recorded since `beginEnvCollection`. */
export function endEnvCollection(): EnvProblem[] {
  const problems = collected ?? [];
  collected = undefined;
  return problems;
}

/** Throws the problem, or records it and returns `placeholder` while configure() collects. */
function fail<T>(name: string, message: string, placeholder: T): T {
  if (!collected) throw new ImproperlyConfigured([message]);
  collected.push({ name, message });
  return placeholder;
}

function raw(source: Source, name: string): string | undefined {
  const value = source[name];
  return value === undefined || value === '' ? undefined : value;
}

function missing<T>(name: string, fallback: T | undefined, placeholder: T): T {
  if (fallback !== undefined) return fallback;
  return fail(name, `${name} is not set — set the ${name} environment variable`, placeholder);
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

export interface UrlOptions {
  /** Allowed schemes without the colon, e.g. `['postgres', 'mysql']`; any when absent. */
  schemes?: readonly string[];
}

export function makeEnv(source: Source = process.env) {
  return {
    str(name: string, fallback?: string): string {
      return raw(source, name) ?? missing(name, fallback, '');
    },

    /** `true/false`, `1/0`, `yes/no`, `on/off`, in any case. */
    bool(name: string, fallback?: boolean): boolean {
      const value = raw(source, name);
      if (value === undefined) return missing(name, fallback, false);
      const word = value.trim().toLowerCase();
      if (TRUE.has(word)) return true;
      if (FALSE.has(word)) return false;
      return fail(name, `${name}=${JSON.stringify(value)} is not a boolean — set ${name} to true or false`, fallback ?? false);
    },

    /** A whole number, e.g. `WEB_CONCURRENCY=4`. */
    int(name: string, fallback?: number): number {
      const value = raw(source, name);
      if (value === undefined) return missing(name, fallback, 0);
      const number = Number(value.trim());
      if (!/^[-+]?\d+$/.test(value.trim()) || !Number.isSafeInteger(number)) {
        return fail(name, `${name}=${JSON.stringify(value)} is not an integer — set ${name} to a whole number, e.g. ${name}=${fallback ?? 1}`, fallback ?? 0);
      }
      return number;
    },

    /** Comma-separated values, blanks dropped: `a.com, b.com` → `['a.com', 'b.com']`. */
    list(name: string, fallback?: string[]): string[] {
      const value = raw(source, name);
      if (value === undefined) return missing(name, fallback, []);
      return value.split(',').map((item) => item.trim()).filter(Boolean);
    },

    /**
     * An absolute URL, parsed: `env.url('DATABASE_URL', 'sqlite:///db.sqlite3')`.
     * A value that is not a URL, or whose scheme is not in `options.schemes`, is an error.
     */
    url(name: string, fallback?: string | URL, options: UrlOptions = {}): URL {
      const value = raw(source, name) ?? (fallback === undefined ? undefined : String(fallback));
      if (value === undefined) return missing(name, undefined, new URL(PLACEHOLDER_URL));
      const schemes = options.schemes;
      // The fallback is the best example of what the setting wants, when it fits.
      const fits = fallback !== undefined && URL.canParse(String(fallback)) && (!schemes || schemes.includes(new URL(String(fallback)).protocol.slice(0, -1)));
      const example = fits ? redactUrl(String(fallback)) : `${schemes?.[0] ?? 'https'}://example.com/`;
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        const message = `${name}=${JSON.stringify(redactUrl(value))} is not a valid URL — set ${name} to a full URL with a scheme, e.g. ${name}=${example}`;
        return fail(name, message, new URL(PLACEHOLDER_URL));
      }
      const scheme = url.protocol.slice(0, -1);
      if (schemes && !schemes.includes(scheme)) {
        const message = `${name} uses the scheme ${JSON.stringify(scheme)} — use one of ${schemes.join(', ')}, e.g. ${name}=${example}`;
        return fail(name, message, url);
      }
      return url;
    },

    /**
     * A JSON value: `env.json<string[]>('FEATURES', [])`. The type argument
     * is not checked at run time; check the shape where it matters.
     */
    json<T = unknown>(name: string, fallback?: T): T {
      const value = raw(source, name);
      if (value === undefined) return missing(name, fallback, undefined as T);
      try {
        return JSON.parse(value) as T;
      } catch (error) {
        const reason = error instanceof Error ? ` (${error.message})` : '';
        // The value is not echoed: JSON settings often hold credentials.
        const message = `${name} is not valid JSON${reason} — set ${name} to a JSON value, e.g. ${name}='{"key": "value"}'`;
        return fail(name, message, fallback as T);
      }
    },
  };
}

export type Env = ReturnType<typeof makeEnv>;

export const env: Env = makeEnv();
