/**
 * The authentication middleware (Django's AuthenticationMiddleware): sets
 * `request.user` from the session, after sessionMiddleware. A session whose
 * user is gone, inactive, or has changed password since (the session hash)
 * is flushed and the request is anonymous.
 */
import type { Middleware } from '../http/middleware.js';
import { SESSION_USER_KEY } from '../middleware/session-db.js';
import { SESSION_HASH_KEY, sessionHashMatches } from './login.js';
import { ANONYMOUS, findUserById } from './users.js';

export const authenticationMiddleware: Middleware = (next) => async (request) => {
  const session = request.session;
  if (!session) throw new Error('authenticationMiddleware needs sessionMiddleware before it in MIDDLEWARE');
  request.user = ANONYMOUS;
  const id = session.get<number>(SESSION_USER_KEY);
  if (typeof id === 'number') {
    const user = await findUserById(id);
    if (user && user.isActive && sessionHashMatches(user, session.get(SESSION_HASH_KEY))) request.user = user;
    else session.flush();
  }
  return next(request);
};
