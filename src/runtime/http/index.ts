export { Request, Session, type RequestUser } from './request.js';
export { fileResponse, HttpResponse, html, json, patchVaryHeaders, redirect, streaming, text, type ResponseBody } from './response.js';
export { parseMultipart, type ParsedForm, type UploadedFile } from './multipart.js';
export { DEFAULT_UPLOAD_LIMITS, uploadLimits, type UploadLimits } from './limits.js';
export {
  flatten,
  include,
  NoReverseMatch,
  path,
  resolve,
  reverse,
  reverseIn,
  setUrlconf,
  type Included,
  type Match,
  type PathOptions,
  type Route,
  type RouteParams,
  type UrlParams,
  type UrlPattern,
  type View,
} from './urls.js';
export { Http404, PermissionDenied } from './exceptions.js';
export { applyMiddleware, type Handler, type Middleware } from './middleware.js';
export { createApplication, dispatch, type ApplicationOptions } from './application.js';
export { technical404, type StatusPages } from './status-pages.js';
export { debugPage, handleErrors, maskSettings, type ErrorHandlingOptions } from './errors.js';
export { serializeCookie, type CookieOptions } from './cookies.js';
export { PROBLEM_CONTENT_TYPE, problem, ProblemError, problemResponse, type Problem, type ProblemFieldError } from './problem.js';
export { isStandardSchema, runSchema, type StandardSchemaV1, type Validated } from './standard-schema.js';
export { type ValidateOptions } from './validate.js';
export { escapeHtml } from './html.js';
