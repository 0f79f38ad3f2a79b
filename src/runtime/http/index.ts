export { Request, Session } from './request.js';
export { fileResponse, HttpResponse, html, json, redirect, streaming, text, type ResponseBody } from './response.js';
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
  type UrlPattern,
  type View,
} from './urls.js';
export { applyMiddleware, type Handler, type Middleware } from './middleware.js';
export { createApplication, dispatch, type ApplicationOptions } from './application.js';
export { debugPage, handleErrors, maskSettings, type ErrorHandlingOptions } from './errors.js';
export { serializeCookie, type CookieOptions } from './cookies.js';
