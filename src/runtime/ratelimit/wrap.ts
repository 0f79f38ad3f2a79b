/**
 * `rateLimit({ key, rate })`: one function that limits a view
 * (`rateLimit({ key: 'ip', rate: '5/m' })(login)`) and is a middleware
 * (`MIDDLEWARE = [..., rateLimit({ key: 'ip', rate: '300/m' })]`).
 * A request over the limit is answered 429 with Retry-After; every counted
 * response carries the RateLimit-* headers (IETF draft: RateLimit-Limit,
 * -Remaining, -Reset, and RateLimit-Policy).
 */
import type { Request } from '../http/request.js';
import { HttpResponse } from '../http/response.js';
import type { Header } from '../tsgi/types.js';
import { keyOf, type RateLimitKey } from './keys.js';
import { hit, type RateLimitState } from './limit.js';
import { parseRate } from './rate.js';

export interface RateLimitOptions {
  /** Who is counted: 'ip' (the client's address), 'user' (the signed-in user, else the address), or a function of the request. */
  key: RateLimitKey;
  /** `10/m`, `100/h`, `5/s`, `1000/d`, `10/5m`. */
  rate: string;
  /** Only these methods are counted (e.g. ['POST'] for a login form); default every method. */
  methods?: readonly string[];
  /** Views with the same group share counters; default the view's function name (or 'default'). */
  group?: string;
  /** The CACHES alias to count in; default 'default'. */
  cache?: string;
  /** The response for a request over the limit; default a 429 (problem+json when the client asks for JSON, else text). */
  limited?: (request: Request, state: RateLimitState) => HttpResponse | Promise<HttpResponse>;
}

type Viewish = (request: Request, ...rest: never[]) => HttpResponse | Promise<HttpResponse>;

/** The RateLimit-* headers for `state`. */
export function rateLimitHeaders(state: RateLimitState): Header[] {
  return [
    ['RateLimit-Limit', String(state.limit)],
    ['RateLimit-Remaining', String(state.remaining)],
    ['RateLimit-Reset', String(state.reset)],
    ['RateLimit-Policy', `${state.limit};w=${state.window}`],
  ];
}

/** The default answer over the limit: 429, Retry-After, in the form the client reads. */
export function tooManyRequests(request: Request, state: RateLimitState): HttpResponse {
  const detail = `Too many requests: the limit is ${state.rate}. Try again in ${state.reset} s.`;
  const headers: Header[] = [['Retry-After', String(state.reset)]];
  if ((request.header('accept') ?? '').includes('json')) {
    const body = JSON.stringify({ type: 'about:blank', title: 'Too Many Requests', status: 429, detail });
    return new HttpResponse(body, 429, [['Content-Type', 'application/problem+json'], ...headers]);
  }
  return new HttpResponse(`${detail}\n`, 429, [['Content-Type', 'text/plain; charset=utf-8'], ...headers]);
}

export function rateLimit(options: RateLimitOptions): <V extends Viewish>(view: V) => V {
  const rate = parseRate(options.rate);
  const methods = options.methods?.map((method) => method.toUpperCase());
  const answer = options.limited ?? tooManyRequests;
  return <V extends Viewish>(view: V): V => {
    const group = options.group ?? (view.name || 'default');
    const limited = async (request: Request, ...rest: never[]): Promise<HttpResponse> => {
      if (methods && !methods.includes(request.method)) return view(request, ...rest);
      const key = await keyOf(options.key, request);
      if (key === undefined) return view(request, ...rest);
      const state = await hit({ key, rate, group, cache: options.cache });
      const response = state.limited ? await answer(request, state) : await view(request, ...rest);
      response.headers.push(...rateLimitHeaders(state));
      return response;
    };
    Object.defineProperty(limited, 'name', { value: view.name });
    return limited as unknown as V;
  };
}
