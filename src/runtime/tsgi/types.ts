/**
 * TSGI: PEP 3333 (WSGI) carried to TypeScript, keeping WSGI's names so that
 * what users know about WSGI transfers. The contract: README.md, TSGI.
 */

/** One response header: `[name, value]`, as WSGI's `(name, value)` tuples. */
export type Header = [name: string, value: string];

/** The legacy `write()` callable returned by `startResponse`. */
export type Write = (chunk: Uint8Array) => void;

/**
 * Begins the response. May be called again only with `excInfo` before the
 * headers have been sent (PEP 3333 "error handling").
 */
export type StartResponse = (status: string, headers: Header[], excInfo?: unknown) => Write;

/** The response body: bytes, produced synchronously or asynchronously. */
export type Body = (Iterable<Uint8Array> | AsyncIterable<Uint8Array>) & {
  close?(): void | Promise<void>;
};

export type Application = (environ: Environ, startResponse: StartResponse) => Body | Promise<Body>;

/** `wsgi.input`: the request body, never read past its end. */
export interface InputStream extends AsyncIterable<Uint8Array> {
  /** Reads up to `size` bytes (all that is left when omitted); empty at the end. */
  read(size?: number): Promise<Uint8Array>;
  /** Reads one line including its `\n`, at most `size` bytes when given. */
  readline(size?: number): Promise<Uint8Array>;
  /** Reads all remaining lines. */
  readlines(): Promise<Uint8Array[]>;
}

/** `wsgi.errors`: where an application writes its error output. */
export interface ErrorStream {
  write(text: string): void;
  flush(): void;
}

/** `wsgi.file_wrapper`: lets a server send a file efficiently. */
export type FileWrapper = (path: string, blockSize?: number) => Body;

/** The request environment. Keys follow PEP 3333 and CGI. */
export interface Environ {
  REQUEST_METHOD: string;
  SCRIPT_NAME: string;
  /** Percent-decoded path, as latin-1 code units (one char per byte). */
  PATH_INFO: string;
  /** Raw query string without the `?`. */
  QUERY_STRING: string;
  CONTENT_TYPE?: string;
  /** Absent when the length is not known. */
  CONTENT_LENGTH?: string;
  SERVER_NAME: string;
  SERVER_PORT: string;
  SERVER_PROTOCOL: string;
  REMOTE_ADDR?: string;
  REMOTE_PORT?: string;
  RAW_URI?: string;
  'wsgi.version': readonly [1, 0];
  'wsgi.url_scheme': 'http' | 'https';
  'wsgi.input': InputStream;
  'wsgi.errors': ErrorStream;
  'wsgi.multithread': boolean;
  'wsgi.multiprocess': boolean;
  'wsgi.run_once': boolean;
  'wsgi.input_terminated': boolean;
  'wsgi.file_wrapper'?: FileWrapper;
  /** `HTTP_*` request headers and server or middleware extensions. */
  [key: string]: unknown;
}
