export { csrfMiddleware, CSRF_FIELD } from './csrf.js';
export { hostValidationMiddleware, isAllowedHost, splitDomain, allowedHosts } from './hosts.js';
export { securityMiddleware } from './security.js';
export { sessionMiddleware } from './sessions.js';
export { BadSignature, sign, unsign } from './signing.js';
export type { Handler, Middleware } from '../http/middleware.js';
export { requestLoggingMiddleware } from './logging.js';
export { sessionEngine } from './sessions.js';
export { clearExpiredSessions, deleteUserSessions, SESSION_USER_KEY, type SessionTable } from './session-db.js';
