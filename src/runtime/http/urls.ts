/**
 * URL routing after Django's `path()`: `'articles/<int:year>/'` patterns
 * matched against PATH_INFO without its leading slash.
 */
import type { HttpResponse } from './response.js';
import type { Request } from './request.js';

export type View = (request: Request) => HttpResponse | Promise<HttpResponse>;

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
}

export interface PathOptions {
  name?: string;
  methods?: readonly string[];
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function path(route: string, view: View, options: PathOptions = {}): Route {
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
  return {
    route,
    name: options.name,
    view,
    regex: new RegExp(`^${source}$`),
    params,
    methods: options.methods?.map((method) => method.toUpperCase()),
  };
}

export interface Match {
  route: Route;
  params: Record<string, string | number>;
}

/** The routes whose pattern matches `pathInfo` (which starts with `/`). */
export function resolve(patterns: readonly Route[], pathInfo: string): Match[] {
  const target = pathInfo.slice(1);
  const matches: Match[] = [];
  for (const route of patterns) {
    const found = route.regex.exec(target);
    if (!found) continue;
    const params: Record<string, string | number> = {};
    route.params.forEach((param, i) => {
      params[param.name] = param.converter.parse(found[i + 1] as string);
    });
    matches.push({ route, params });
  }
  return matches;
}
