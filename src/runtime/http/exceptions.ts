/**
 * Django's Http404 and PermissionDenied: raised anywhere in a view (or a
 * helper it calls, as getObjectOr404), answered with the project's 404 or
 * 403 page. Both are HttpErrors, so even an application without the error
 * pages (a bare TSGI server, the test client) answers with their status.
 */
import { HttpError } from '../tsgi/errors.js';

export class Http404 extends HttpError {
  override name = 'Http404';
  constructor(message = 'Not Found') {
    super('404 Not Found', message);
  }
}

export class PermissionDenied extends HttpError {
  override name = 'PermissionDenied';
  constructor(message = 'Forbidden') {
    super('403 Forbidden', message);
  }
}
