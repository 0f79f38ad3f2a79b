/**
 * Django's SecurityMiddleware and XFrameOptionsMiddleware in one: HTTPS
 * redirect, HSTS, nosniff, Referrer-Policy, Cross-Origin-Opener-Policy and
 * X-Frame-Options, each from its setting.
 */
import { settings } from '../conf/settings.js';
import type { Middleware } from '../http/middleware.js';
import { redirect } from '../http/response.js';

function setting<T>(name: string, fallback: T): T {
  const value = (settings as Record<string, unknown>)[name];
  return value === undefined ? fallback : (value as T);
}

export const securityMiddleware: Middleware = (next) => {
  const hstsSeconds = setting('SECURE_HSTS_SECONDS', 0);
  const hsts =
    hstsSeconds > 0
      ? `max-age=${hstsSeconds}` +
        (setting('SECURE_HSTS_INCLUDE_SUBDOMAINS', false) ? '; includeSubDomains' : '') +
        (setting('SECURE_HSTS_PRELOAD', false) ? '; preload' : '')
      : undefined;
  const sslRedirect = setting('SECURE_SSL_REDIRECT', false);
  const nosniff = setting('SECURE_CONTENT_TYPE_NOSNIFF', true);
  const referrerPolicy = setting<string | undefined>('SECURE_REFERRER_POLICY', 'same-origin');
  const openerPolicy = setting<string | undefined>('SECURE_CROSS_ORIGIN_OPENER_POLICY', 'same-origin');
  const frameOptions = setting<string | undefined>('X_FRAME_OPTIONS', 'DENY');

  return async (request) => {
    if (sslRedirect && request.scheme !== 'https') {
      return redirect(`https://${request.host}${request.path}${request.environ.QUERY_STRING ? `?${request.environ.QUERY_STRING}` : ''}`, true);
    }
    const response = await next(request);
    const add = (name: string, value: string | undefined) => {
      if (value && !response.headers.some(([key]) => key.toLowerCase() === name.toLowerCase())) response.headers.push([name, value]);
    };
    if (request.scheme === 'https') add('Strict-Transport-Security', hsts);
    if (nosniff) add('X-Content-Type-Options', 'nosniff');
    add('Referrer-Policy', referrerPolicy);
    add('Cross-Origin-Opener-Policy', openerPolicy);
    add('X-Frame-Options', frameOptions);
    return response;
  };
};
