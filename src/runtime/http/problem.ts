/**
 * Problem details for HTTP APIs (RFC 9457): the `application/problem+json`
 * body an API answers a bad request with. `type` stays `about:blank`, so
 * `title` is the status phrase; `detail` says what is wrong in words and
 * `errors` (the RFC's own example extension) lists each invalid value.
 */
import { STATUS_CODES } from 'node:http';
import { HttpResponse } from './response.js';
import { HttpError } from '../tsgi/errors.js';
import { issueKeys, type StandardSchemaV1 } from './standard-schema.js';

/** One invalid value: where it is and what is wrong with it. */
export interface ProblemFieldError {
  /** The value's path, dotted: `name`, `items.0.price`; `''` for the whole input. */
  path: string;
  /** A JSON Pointer (RFC 6901) into the JSON body, as a URI fragment (`#/items/0/price`); only for JSON bodies. */
  pointer?: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: ProblemFieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** A problem of `status` (`title` is its phrase) that says `detail`. */
export function problem(status: number, detail: string, errors?: ProblemFieldError[]): Problem {
  return { type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail, ...(errors ? { errors } : {}) };
}

export function problemResponse(body: Problem): HttpResponse {
  return new HttpResponse(JSON.stringify(body), body.status, [['Content-Type', PROBLEM_CONTENT_TYPE]]);
}

/**
 * Thrown by `request.validate()`: the error handler answers it with its
 * problem+json response, as it answers any HttpError with its status.
 */
export class ProblemError extends HttpError {
  override name = 'ProblemError';
  constructor(readonly problem: Problem) {
    super(`${problem.status} ${problem.title}`, problem.detail);
  }

  response(): HttpResponse {
    return problemResponse(this.problem);
  }
}

/** `~1` and `~0` escapes of a JSON Pointer token (RFC 6901). */
const pointerToken = (key: PropertyKey): string => String(key).replaceAll('~', '~0').replaceAll('/', '~1');

/** The schema's issues as problem errors; `pointer` only when the input was a JSON document. */
export function issuesToErrors(issues: readonly StandardSchemaV1.Issue[], withPointer: boolean): ProblemFieldError[] {
  return issues.map((issue) => {
    const keys = issueKeys(issue);
    const path = keys.map(String).join('.');
    return withPointer ? { path, pointer: `#${keys.map((key) => `/${pointerToken(key)}`).join('')}`, message: issue.message } : { path, message: issue.message };
  });
}
