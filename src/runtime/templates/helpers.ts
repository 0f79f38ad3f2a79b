/**
 * The built-in helpers (`static`, `url`, `csrf_token`, `csrf_input`) and the
 * wrapper every engine helper runs in, which turns a throw into a
 * TemplateError naming the call, the template and the line.
 */
import type Handlebars from 'handlebars';
import type { HelperDelegate } from 'handlebars';
import { TemplateError } from './errors.js';

/**
 * How `{{static 'css/site.css'}}` becomes a URL: a string is STATIC_URL (the
 * URL is it plus the name); a function is asked for each name (the
 * manifest-aware storage gives one) and may throw for a name it does not know.
 */
export type StaticUrl = string | ((name: string) => string);

/** How `{{url 'article' year=2024}}` becomes a URL: `reverse('article', { year: 2024 })`. */
export type Reverse = (name: string, params: Record<string, string | number>) => string;

export type Helper = (this: unknown, ...args: unknown[]) => unknown;

/** The part of handlebars' helper options the wrapper reads. */
export interface CallOptions {
  name?: unknown;
  hash?: unknown;
  data?: unknown;
  loc?: unknown;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Handlebars passes its options object last. */
export function splitCall(args: readonly unknown[]): { positional: unknown[]; options: CallOptions } {
  const last = args.at(-1);
  if (isObject(last) && 'hash' in last) return { positional: args.slice(0, -1), options: last };
  return { positional: [...args], options: {} };
}

function hashOf(options: CallOptions): Record<string, unknown> {
  return isObject(options.hash) ? options.hash : {};
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return '…';
}

/** The call as written, near enough (named arguments sorted): `{{url 'article' year=2024}}`. */
function describeCall(name: string, positional: readonly unknown[], hash: Record<string, unknown>): string {
  const parts = [name, ...positional.map(describeValue), ...Object.keys(hash).sort().map((key) => `${key}=${describeValue(hash[key])}`)];
  return `{{${parts.join(' ')}}}`;
}

/** Where the call is, from the `loc` handlebars gives helpers (source is the template's name). */
function locationOf(options: CallOptions): { template: string | undefined; line: number | undefined } {
  const loc = options.loc;
  if (!isObject(loc)) return { template: undefined, line: undefined };
  const start = loc.start;
  return {
    template: typeof loc.source === 'string' ? loc.source : undefined,
    line: isObject(start) && typeof start.line === 'number' ? start.line : undefined,
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
}

/** `helper` made to report a throw as a TemplateError naming the call and where it is. */
export function guardHelper(name: string, helper: Helper): Helper {
  return function guarded(this: unknown, ...args: unknown[]): unknown {
    try {
      return helper.apply(this, args);
    } catch (error) {
      // Thrown by a template rendered inside a block helper: already placed.
      if (error instanceof TemplateError) throw error;
      const { positional, options } = splitCall(args);
      const { template, line } = locationOf(options);
      throw new TemplateError(`${describeCall(name, positional, hashOf(options))} failed: ${messageOf(error)}`, {
        template,
        line,
        cause: error,
      });
    }
  };
}

/** Percent-encodes a static file name, keeping its slashes, as Django's `static` does. */
function encodePath(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}

function staticResolver(staticUrl: StaticUrl): (name: string) => string {
  if (typeof staticUrl === 'function') {
    return (name) => {
      const url: unknown = staticUrl(name);
      if (typeof url !== 'string') throw new Error(`the staticUrl function returned ${typeof url}, not a URL string`);
      return url;
    };
  }
  const prefix = staticUrl.endsWith('/') ? staticUrl : `${staticUrl}/`;
  return (name) => prefix + encodePath(name.replace(/^\/+/, ''));
}

/** The token from the render context's `csrfToken`: a string, or a function giving one (a lazy token). */
function csrfTokenOf(options: CallOptions): string {
  const root = isObject(options.data) ? options.data.root : undefined;
  if (!isObject(root)) return '';
  const token = typeof root.csrfToken === 'function' ? (root.csrfToken as () => unknown)() : root.csrfToken;
  return typeof token === 'string' ? token : '';
}

export interface BuiltinHelperOptions {
  staticUrl: StaticUrl;
  reverse: Reverse | undefined;
}

export function builtinHelpers(env: typeof Handlebars, options: BuiltinHelperOptions): Record<string, Helper> {
  const staticUrl = staticResolver(options.staticUrl);
  const { reverse } = options;
  return {
    static(...args) {
      const { positional, options: call } = splitCall(args);
      const [file, ...rest] = positional;
      if (typeof file !== 'string' || file === '') throw new Error(`give the file name, e.g. {{static 'css/site.css'}}`);
      if (rest.length > 0 || Object.keys(hashOf(call)).length > 0) throw new Error('takes exactly one file name');
      return staticUrl(file);
    },

    url(...args) {
      const { positional, options: call } = splitCall(args);
      const [name, ...rest] = positional;
      if (typeof name !== 'string' || name === '') throw new Error(`give the route name, e.g. {{url 'article' id=3}}`);
      if (rest.length > 0) throw new Error(`route parameters go by name, e.g. {{url '${name}' id=3}}`);
      if (reverse === undefined) throw new Error('the template engine was created without a reverse function (createTemplateEngine({ reverse }))');
      const params: Record<string, string | number> = {};
      for (const [key, value] of Object.entries(hashOf(call))) {
        if (typeof value !== 'string' && typeof value !== 'number') {
          throw new Error(`parameter ${key} is ${value === null || value === undefined ? String(value) : `a ${typeof value}`}, not a string or number`);
        }
        params[key] = value;
      }
      return reverse(name, params);
    },

    csrf_token(...args) {
      return csrfTokenOf(splitCall(args).options);
    },

    csrf_input(...args) {
      const token = csrfTokenOf(splitCall(args).options);
      if (token === '') return '';
      return new env.SafeString(`<input type="hidden" name="csrfmiddlewaretoken" value="${env.escapeExpression(token)}">`);
    },
  };
}

/** A project helper, typed as handlebars types it, as a Helper. */
export function asHelper(helper: HelperDelegate): Helper {
  return helper as Helper;
}
