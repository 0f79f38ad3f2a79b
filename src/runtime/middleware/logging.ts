/**
 * One log line per request through the project logger: method, path,
 * status, duration and client address, JSON in production. `serve` has its
 * own access log; this one is for apps that want requests in their logs.
 */
import type { Middleware } from '../http/middleware.js';
import { loggedPath, logger } from '../logging/index.js';

export const requestLoggingMiddleware: Middleware = (next) => async (request) => {
  const start = process.hrtime.bigint();
  const response = await next(request);
  // A sensitive route's values (a reset token) masked, as in every log.
  const path = loggedPath(request.environ);
  const fields = {
    method: request.method,
    path,
    status: response.status,
    duration_ms: Number((process.hrtime.bigint() - start) / 1000n) / 1000,
    client: request.clientIp,
  };
  logger.log(response.status >= 500 ? 'error' : response.status >= 400 ? 'warning' : 'info', `${request.method} ${path} ${response.status}`, fields);
  return response;
};
