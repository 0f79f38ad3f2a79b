import { logger, type BoundLogger } from '../logging/index.js';
import { requestLogContext } from '../tracing/index.js';
import type { Environ } from '../tsgi/types.js';
import { HttpError } from '../tsgi/errors.js';
import { parseUrlencoded, readBody } from './body.js';
import { withinDepth } from './json-body.js';
import { DEFAULT_UPLOAD_LIMITS, type UploadLimits } from './limits.js';
import { parseMultipart, type ParsedForm, type UploadedFile } from './multipart.js';
import type { StandardSchemaV1 } from './standard-schema.js';
import { validateRequest, type ValidateOptions } from './validate.js';

/** How deep `request.json()` lets a body nest: far past any real document, far short of a costly one. */
export const REQUEST_JSON_MAX_DEPTH = 512;

/** A view's view of one request, read from the TSGI environ. */
export class Request {
  readonly method: string;
  /** SCRIPT_NAME + PATH_INFO: the full path, decoded. */
  readonly path: string;
  /** PATH_INFO: the path under the script name, used for routing. */
  readonly pathInfo: string;
  private parsedQuery: URLSearchParams | undefined;
  private parsedCookies: Record<string, string> | undefined;
  private bodyBytes: Promise<Uint8Array> | undefined;
  private parsedForm: Promise<ParsedForm> | undefined;
  /** Set when form() parsed a multipart body as it was read, keeping no copy of it. */
  private bodyStreamed = false;
  /** Values captured from the URL by the route that matched. */
  params: Record<string, string | number> = {};
  private boundLog: BoundLogger | undefined;

  /** `limits`: how much of the body may be held in memory (the DATA_UPLOAD_* settings). */
  constructor(
    readonly environ: Environ,
    private readonly limits: UploadLimits = DEFAULT_UPLOAD_LIMITS,
  ) {
    this.method = environ.REQUEST_METHOD;
    this.pathInfo = environ.PATH_INFO || '/';
    this.path = environ.SCRIPT_NAME + this.pathInfo;
  }

  get query(): URLSearchParams {
    this.parsedQuery ??= new URLSearchParams(this.environ.QUERY_STRING);
    return this.parsedQuery;
  }

  get scheme(): 'http' | 'https' {
    return this.environ['wsgi.url_scheme'];
  }

  /** The host the client asked for, as PEP 3333 reconstructs it: Host, else SERVER_NAME and a non-default port. */
  get host(): string {
    const host = this.environ.HTTP_HOST;
    if (typeof host === 'string' && host !== '') return host;
    const port = this.environ.SERVER_PORT;
    const defaultPort = this.scheme === 'https' ? '443' : '80';
    return port === defaultPort ? this.environ.SERVER_NAME : `${this.environ.SERVER_NAME}:${port}`;
  }

  /** Request cookies by name; a malformed pair is skipped, as browsers and Django do. */
  get cookies(): Record<string, string> {
    if (this.parsedCookies) return this.parsedCookies;
    const cookies: Record<string, string> = {};
    const header = this.header('cookie') ?? '';
    for (const pair of header.split(';')) {
      const index = pair.indexOf('=');
      if (index <= 0) continue;
      const name = pair.slice(0, index).trim();
      let value = pair.slice(index + 1).trim();
      if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
      try {
        value = decodeURIComponent(value);
      } catch {
        // not percent-encoded: keep as sent
      }
      if (name && !(name in cookies)) cookies[name] = value;
    }
    this.parsedCookies = cookies;
    return cookies;
  }

  /**
   * The project logger bound to this request: every line carries its
   * `request_id`, `trace_id` and `span_id`, after any `await`, on every
   * node version (the plain `logger` does after an await only where
   * AsyncLocalStorage is cheap: logging/context.ts).
   */
  get log(): BoundLogger {
    return (this.boundLog ??= logger.bound(requestLogContext(this.environ)));
  }

  /** A request header by name, case-insensitive. */
  header(name: string): string | undefined {
    const upper = name.toUpperCase().replaceAll('-', '_');
    if (upper === 'CONTENT_TYPE' || upper === 'CONTENT_LENGTH') return this.environ[upper];
    const value = this.environ[`HTTP_${upper}`];
    return typeof value === 'string' ? value : undefined;
  }

  /**
   * The whole body as bytes; read once and kept, so middleware and the view
   * can both read it. Over DATA_UPLOAD_MAX_MEMORY_SIZE it is a 413, as in
   * Django; after form() has parsed a multipart body, an error (read body()
   * first to have both).
   */
  body(): Promise<Uint8Array> {
    if (this.bodyStreamed && !this.bodyBytes) {
      return Promise.reject(new Error('body() cannot be read after form() or files() parsed a multipart body as it arrived; call body() first to keep it'));
    }
    this.bodyBytes ??= readBody(this.environ['wsgi.input'], this.environ.CONTENT_LENGTH, this.limits);
    return this.bodyBytes;
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(await this.body());
  }

  /**
   * The body parsed as JSON. A body that is not JSON, or that nests deeper
   * than REQUEST_JSON_MAX_DEPTH (JSON.parse spends seconds on a few MB of
   * `[[[[`), is a 400, not a 500. For input checked against a schema, see
   * validate().
   */
  async json(): Promise<unknown> {
    const text = await this.text();
    if (!withinDepth(text, REQUEST_JSON_MAX_DEPTH)) throw new HttpError('400 Bad Request', `the JSON body nests deeper than ${REQUEST_JSON_MAX_DEPTH} levels`);
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new HttpError('400 Bad Request', `the body is not valid JSON: ${(error as Error).message}`);
    }
  }

  /** The form fields of an urlencoded or multipart body (Django's request.POST); empty for other content types. */
  async form(): Promise<URLSearchParams> {
    return (await this.parseForm()).fields;
  }

  /** The uploaded files of a multipart body (Django's request.FILES). */
  async files(): Promise<UploadedFile[]> {
    return (await this.parseForm()).files;
  }

  /**
   * The JSON body (or, for GET, HEAD and DELETE, the query string) checked
   * by a Standard Schema (zod, valibot, arktype) and returned typed. Bad
   * input throws a ProblemError, which the application answers with RFC 9457
   * problem details: 400 listing each invalid value, 413 too large, 415 not JSON.
   */
  validate<S extends StandardSchemaV1>(schema: S, options?: ValidateOptions): Promise<StandardSchemaV1.InferOutput<S>> {
    return validateRequest(this, schema, options);
  }

  /** The form, parsed once, under the upload limits (http/limits.ts). */
  private parseForm(): Promise<ParsedForm> {
    this.parsedForm ??= (async () => {
      const contentType = this.environ.CONTENT_TYPE ?? '';
      const type = contentType.split(';')[0]?.trim().toLowerCase();
      if (type === 'application/x-www-form-urlencoded') return { fields: parseUrlencoded(await this.body(), this.limits), files: [] };
      if (type !== 'multipart/form-data') return { fields: new URLSearchParams(), files: [] };
      // Parsed as it arrives, so uploaded files do not count against DATA_UPLOAD_MAX_MEMORY_SIZE (unless body() was read first).
      if (this.bodyBytes) return parseMultipart(contentType, await this.bodyBytes, this.limits);
      this.bodyStreamed = true;
      return parseMultipart(contentType, this.environ['wsgi.input'], this.limits);
    })();
    return this.parsedForm;
  }

  /** The client's address: REMOTE_ADDR, which the server sets from X-Forwarded-For only for trusted proxies. */
  get clientIp(): string | undefined {
    return this.environ.REMOTE_ADDR;
  }

  /** Set by the session middleware. */
  session: Session | undefined;
  /** Who is asking: set by tsgate/auth's middleware (an anonymous user when logged out); undefined without it. */
  user: RequestUser | undefined;
  /** The CSRF token for forms, set by the CSRF middleware (reading it makes the middleware send the cookie). */
  csrfToken: (() => string) | undefined;
}

/**
 * What a view may read of `request.user` without importing tsgate/auth:
 * tsgate/auth's User and AnonymousUser have this shape.
 */
export interface RequestUser {
  /** The user's primary key; undefined for the anonymous user. */
  readonly id: number | undefined;
  readonly email: string;
  readonly isAuthenticated: boolean;
  readonly isAnonymous: boolean;
  readonly isActive: boolean;
  readonly isStaff: boolean;
  readonly isSuperuser: boolean;
}

/**
 * A session's data: JSON values by key; `modified` tells the middleware to
 * save it. A stored session (SESSION_ENGINE 'db') also has a key, which
 * cycleKey() replaces and flush() deletes.
 */
export class Session {
  modified = false;
  /** Read or written in this request: the response depends on the session cookie (Vary: Cookie; caches keep one per cookie). */
  accessed = false;
  /** Set by cycleKey(): the middleware stores the data under a new key and deletes the old one (login: no session fixation). */
  keyCycled = false;
  /** Set by flush(): the middleware deletes the stored session (logout). */
  flushed = false;
  constructor(
    private data: Record<string, unknown> = {},
    /** The stored session's key (SESSION_ENGINE 'db'); undefined for a new session or signed cookies. */
    readonly key?: string,
  ) {}

  get<T = unknown>(key: string): T | undefined {
    this.accessed = true;
    return this.data[key] as T | undefined;
  }
  set(key: string, value: unknown): void {
    this.accessed = true;
    this.data[key] = value;
    this.modified = true;
  }
  delete(key: string): void {
    this.accessed = true;
    if (key in this.data) {
      delete this.data[key];
      this.modified = true;
    }
  }
  /** Empties the session and deletes it where it is stored, e.g. at logout. */
  flush(): void {
    this.accessed = true;
    this.data = {};
    this.modified = true;
    this.flushed = true;
  }
  /** Keeps the data under a new key, so a key an attacker planted or saw before login is worthless after it. */
  cycleKey(): void {
    this.keyCycled = true;
    this.modified = true;
  }
  get isEmpty(): boolean {
    return Object.keys(this.data).length === 0;
  }
  toJSON(): Record<string, unknown> {
    return this.data;
  }
}
