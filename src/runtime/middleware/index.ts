export { hostValidationMiddleware, isAllowedHost, splitDomain, allowedHosts } from './hosts.js';
export { securityMiddleware } from './security.js';
export type { Handler, Middleware } from '../http/middleware.js';
