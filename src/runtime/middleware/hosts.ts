/**
 * Host validation against ALLOWED_HOSTS with Django's rules: `*` matches
 * any host, `.example.com` matches example.com and its subdomains, anything
 * else matches exactly (case-insensitive, port and trailing dot ignored).
 * A bad Host gets a 400 before any view runs (DNS rebinding, host-header
 * poisoning of generated links).
 */
import { settings } from '../conf/settings.js';
import type { Middleware } from '../http/middleware.js';
import { text } from '../http/response.js';
import { loggedPath, logger } from '../logging/index.js';

/** Django's defaults when DEBUG is on and ALLOWED_HOSTS is empty. */
const DEBUG_HOSTS = ['.localhost', '127.0.0.1', '[::1]'];

const HOST = /^([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(:\d+)?$/;

/** The host name of a Host header value without port and trailing dot, or undefined when malformed. */
export function splitDomain(host: string): string | undefined {
  const match = HOST.exec(host.toLowerCase());
  if (!match) return undefined;
  const domain = match[1] as string;
  return domain.endsWith('.') ? domain.slice(0, -1) : domain;
}

export function isAllowedHost(domain: string, allowed: readonly string[]): boolean {
  return allowed.some((pattern) => {
    const rule = pattern.toLowerCase();
    if (rule === '*') return true;
    if (rule.startsWith('.')) return domain === rule.slice(1) || domain.endsWith(rule);
    return domain === rule;
  });
}

export function allowedHosts(): readonly string[] {
  const configured = settings.ALLOWED_HOSTS;
  return settings.DEBUG && configured.length === 0 ? DEBUG_HOSTS : configured;
}

export const hostValidationMiddleware: Middleware = (next) => {
  const allowed = allowedHosts();
  return async (request) => {
    // A Host header sent empty is a bad host, as Django's; only a request
    // without one (HTTP/1.0) falls back to the server's own name.
    const host = request.environ.HTTP_HOST === '' ? '' : request.host;
    const domain = splitDomain(host);
    if (domain !== undefined && isAllowedHost(domain, allowed)) return next(request);
    const hint = domain === undefined ? '' : ` You may need to add '${domain}' to ALLOWED_HOSTS.`;
    // Through the logger, so it is a JSON line in production with the Host escaped.
    logger.warning(`Invalid HTTP_HOST header: '${host}'.${hint}`, { logger: 'tsgate.security.DisallowedHost', method: request.method, path: loggedPath(request.environ), status: 400 });
    return text(settings.DEBUG ? `Invalid HTTP_HOST header: '${host}'.${hint}\n` : 'Bad Request\n', 400);
  };
};
