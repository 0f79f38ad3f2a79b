/**
 * Django's SecurityMiddleware and XFrameOptionsMiddleware in one: HTTPS
 * redirect, HSTS, nosniff, Referrer-Policy, Cross-Origin-Opener-Policy and
 * X-Frame-Options, each from its setting.
 */
import { settings } from '../conf/settings.js';
import type { Middleware } from '../http/middleware.js';
import { redirect } from '../http/response.js';
import { encodePath } from '../tsgi/environ.js';

export const securityMiddleware: Middleware = (next) => {
  // Read once, when the application is built; unset settings have Django's defaults.
  const hstsSeconds = settings.SECURE_HSTS_SECONDS;
  const hsts =
    hstsSeconds > 0
      ? `max-age=${hstsSeconds}` +
        (settings.SECURE_HSTS_INCLUDE_SUBDOMAINS ? '; includeSubDomains' : '') +
        (settings.SECURE_HSTS_PRELOAD ? '; preload' : '')
      : undefined;
  const sslRedirect = settings.SECURE_SSL_REDIRECT;
  const nosniff = settings.SECURE_CONTENT_TYPE_NOSNIFF;
  const referrerPolicy = settings.SECURE_REFERRER_POLICY;
  const openerPolicy = settings.SECURE_CROSS_ORIGIN_OPENER_POLICY;
  const frameOptions = settings.X_FRAME_OPTIONS;

  return async (request) => {
    if (sslRedirect && request.scheme !== 'https') {
      // PATH_INFO is decoded: encode it again, or a %0A in the URL would become a header injection attempt.
      const query = request.environ.QUERY_STRING ? `?${request.environ.QUERY_STRING}` : '';
      return redirect(`https://${request.host}${encodePath(request.path)}${query}`, true);
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
