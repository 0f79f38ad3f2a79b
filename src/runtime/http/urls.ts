/**
 * URL routing after Django's `path()`: `'articles/<int:year>/'` patterns
 * matched against PATH_INFO without its leading slash.
 */
import type { HttpResponse } from './response.js';
import type { Request } from './request.js';

/** The values a route captured from the URL, by name, as its converters gave them. */
export type UrlParams = Record<string, string | number>;

/**
 * A view: `(request, params) => response`, where `params` holds the values
 * the route captured, converted (`<int:year>` a number, the rest strings);
 * the same values are on `request.params`.
 */
export type View<P extends object = UrlParams> = (request: Request, params: P) => HttpResponse | Promise<HttpResponse>;

/** `<int:…>` gives a number; `str`, `slug`, `uuid` and `path` give strings. */
type ConverterValue<C extends string> = C extends 'int' ? number : string;

/** One `<converter:name>` or `<name>` as an object type. */
type ParamOf<Part extends string> = Part extends `${infer C}:${infer N}` ? { [K in N]: ConverterValue<C> } : { [K in Part]: string };

type ParamsIn<R extends string> = R extends `${string}<${infer Part}>${infer Rest}` ? ParamOf<Part> & ParamsIn<Rest> : unknown;

/**
 * The params a route gives its view, read from the route's text by the type
 * checker: `RouteParams<'articles/<int:year>/<slug:slug>/'>` is
 * `{ year: number; slug: string }`. A route that is a plain `string` (not a
 * literal) gives UrlParams.
 */
export type RouteParams<R extends string> = string extends R ? UrlParams : { [K in keyof ParamsIn<R>]: ParamsIn<R>[K] };

interface Converter {
  regex: string;
  parse(text: string): string | number;
}

const CONVERTERS: Record<string, Converter> = {
  str: { regex: '[^/]+', parse: (text) => text },
  int: { regex: '[0-9]+', parse: (text) => Number(text) },
  slug: { regex: '[-a-zA-Z0-9_]+', parse: (text) => text },
  uuid: { regex: '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', parse: (text) => text },
  path: { regex: '.+', parse: (text) => text },
};

export interface Route {
  route: string;
  name: string | undefined;
  view: View;
  regex: RegExp;
  params: { name: string; converter: Converter }[];
  /** Methods the view accepts; undefined means any. */
  methods: readonly string[] | undefined;
  /** Parameters whose values are credentials (a reset token): masked wherever the path is logged (maskedPathInfo). */
  sensitive: readonly string[] | undefined;
}

export interface PathOptions {
  name?: string;
  methods?: readonly string[];
  /**
   * Parameters whose values must never be logged, reported or traced (a
   * reset link's token): the access log, the request log, the error log,
   * the debug page, error reporters and spans show `********` instead.
   */
  sensitive?: readonly string[];
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** What `include()` gives to `path()`: another URL table, mounted under the path's prefix. */
export interface Included {
  patterns: readonly UrlPattern[];
  namespace: string | undefined;
}

/** An entry of `urlpatterns`: a route, or the routes an `include()` mounted. */
export type UrlPattern = Route | readonly Route[];

/** Django's `include()`: `path('blog/', include(blogUrls, { namespace: 'blog' }))`; names become `blog:name`. */
export function include(patterns: readonly UrlPattern[], options: { namespace?: string } = {}): Included {
  return { patterns, namespace: options.namespace };
}

function isIncluded(target: View | Included): target is Included {
  return typeof target === 'object' && 'patterns' in target;
}

export function path(route: string, target: Included, options?: PathOptions): Route[];
export function path<R extends string>(route: R, target: View<RouteParams<R>>, options?: PathOptions): Route;
export function path(route: string, target: View | Included, options: PathOptions = {}): Route | Route[] {
  if (isIncluded(target)) {
    return flatten(target.patterns).map((inner) =>
      makeRoute(route + inner.route, inner.view, {
        ...(inner.name === undefined ? {} : { name: target.namespace ? `${target.namespace}:${inner.name}` : inner.name }),
        ...(inner.methods === undefined ? {} : { methods: inner.methods }),
        ...(inner.sensitive === undefined ? {} : { sensitive: inner.sensitive }),
      }),
    );
  }
  return makeRoute(route, target, options);
}

/** The routes of a URL table, includes spliced in. */
export function flatten(patterns: readonly UrlPattern[]): Route[] {
  return patterns.flatMap((pattern) => (Array.isArray(pattern) ? [...(pattern as readonly Route[])] : [pattern as Route]));
}

function makeRoute(route: string, view: View, options: PathOptions): Route {
  const params: Route['params'] = [];
  let source = '';
  let last = 0;
  for (const match of route.matchAll(/<(?:(\w+):)?(\w+)>/g)) {
    const converterName = match[1] ?? 'str';
    const converter = CONVERTERS[converterName];
    if (!converter) throw new Error(`path('${route}'): unknown converter '${converterName}'`);
    source += escapeRegex(route.slice(last, match.index)) + `(${converter.regex})`;
    params.push({ name: match[2] as string, converter });
    last = match.index + match[0].length;
  }
  source += escapeRegex(route.slice(last));
  for (const name of options.sensitive ?? []) {
    if (!params.some((param) => param.name === name)) throw new Error(`path('${route}'): sensitive names '${name}', which is not one of its parameters`);
  }
  return {
    route,
    name: options.name,
    view,
    regex: new RegExp(`^${source}$`),
    params,
    methods: options.methods?.map((method) => method.toUpperCase()),
    sensitive: options.sensitive && options.sensitive.length > 0 ? [...options.sensitive] : undefined,
  };
}

/** The same pattern with match indices (the `d` flag), made for sensitive routes only, on first use. */
const indexed = new WeakMap<Route, RegExp>();

/**
 * `pathInfo` with the text each of the route's sensitive parameters matched
 * replaced by `mask`; undefined when the route has none (or does not match).
 */
export function maskedPathInfo(route: Route, pathInfo: string, mask: string): string | undefined {
  if (!route.sensitive) return undefined;
  let regex = indexed.get(route);
  if (!regex) indexed.set(route, (regex = new RegExp(route.regex.source, 'd')));
  const found = regex.exec(pathInfo.slice(1));
  if (!found?.indices) return undefined;
  let masked = '';
  let last = 0;
  route.params.forEach((param, i) => {
    const span = found.indices?.[i + 1];
    if (!span || !route.sensitive?.includes(param.name)) return;
    masked += pathInfo.slice(1).slice(last, span[0]) + mask;
    last = span[1];
  });
  return '/' + masked + pathInfo.slice(1).slice(last);
}

export interface Match {
  route: Route;
  params: UrlParams;
}

/** The routes whose pattern matches `pathInfo` (which starts with `/`). */
export function resolve(patterns: readonly Route[], pathInfo: string): Match[] {
  const target = pathInfo.slice(1);
  const matches: Match[] = [];
  for (const route of patterns) {
    const found = route.regex.exec(target);
    if (!found) continue;
    const params: UrlParams = {};
    route.params.forEach((param, i) => {
      params[param.name] = param.converter.parse(found[i + 1] as string);
    });
    matches.push({ route, params });
  }
  return matches;
}

export class NoReverseMatch extends Error {
  override name = 'NoReverseMatch';
}

/** Django's `reverse()`: the URL of the route called `name`, its `<converter:param>` parts filled from `params`. */
export function reverseIn(patterns: readonly Route[], name: string, params: Record<string, string | number> = {}): string {
  const candidates = patterns.filter((route) => route.name === name);
  if (candidates.length === 0) throw new NoReverseMatch(`no route is named '${name}'`);
  for (const route of candidates) {
    const wanted = route.params.map((param) => param.name).sort().join(',');
    if (wanted !== Object.keys(params).sort().join(',')) continue;
    const fits = route.params.every((param) => new RegExp(`^(?:${param.converter.regex})$`).test(String(params[param.name])));
    if (!fits) continue;
    // Each segment percent-encoded, so `?`, `#` and `%` in a value stay part of the path.
    const encode = (value: string) => value.split('/').map(encodeURIComponent).join('/');
    return '/' + route.route.replace(/<(?:\w+:)?(\w+)>/g, (_, key: string) => encode(String(params[key])));
  }
  const given = Object.keys(params).join(', ') || 'none';
  throw new NoReverseMatch(`route '${name}' exists, but not with the parameters given (${given}) and their values`);
}

let activePatterns: readonly Route[] = [];

/** Sets the URL table that `reverse()` and the `{{url}}` template helper use; done by getWsgiApplication. */
export function setUrlconf(patterns: readonly Route[]): void {
  activePatterns = patterns;
}

export function reverse(name: string, params: Record<string, string | number> = {}): string {
  return reverseIn(activePatterns, name, params);
}
