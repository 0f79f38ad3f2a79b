export type {
  Application,
  Body,
  Environ,
  ErrorStream,
  FileWrapper,
  Header,
  InputStream,
  StartResponse,
  Write,
} from './types.js';
export { ClientDisconnected, HttpError, TsgiError } from './errors.js';
export { HOP_BY_HOP, checkHeaders, getHeader, parseStatus } from './headers.js';
export { BodyReader } from './input.js';
export { buildEnviron, decodePath, encodePath, stderrStream, type RequestFacts } from './environ.js';
export { runApplication, reportError, type ClientSignal, type ResponseSink, type RunOptions } from './run.js';
export { validate, ValidationError } from './validate.js';
export { toFetchHandler, fromFetchHandler } from './fetch.js';
