/** A breach of the TSGI contract by an application or a server. */
export class TsgiError extends Error {
  override name = 'TsgiError';
}

/**
 * An error that carries the HTTP status it should answer with (e.g. a body
 * over the size limit is a 413), instead of a 500.
 */
export class HttpError extends TsgiError {
  override name = 'HttpError';
  constructor(
    readonly status: string,
    message: string,
  ) {
    super(message);
  }
}
