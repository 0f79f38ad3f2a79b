/**
 * Middleware, as in Django since 1.10: a function that takes the next
 * handler and returns a handler. Built once when the application is built,
 * so per-request work is only the request path itself.
 */
import type { Request } from './request.js';
import type { HttpResponse } from './response.js';

export type Handler = (request: Request) => Promise<HttpResponse>;
export type Middleware = (next: Handler) => Handler;

/** Wraps `handler` so the first middleware in the list sees the request first (Django's MIDDLEWARE order). */
export function applyMiddleware(middleware: readonly Middleware[], handler: Handler): Handler {
  return middleware.reduceRight<Handler>((next, wrap) => wrap(next), handler);
}
