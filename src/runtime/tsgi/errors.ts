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

/**
 * The client went away before it sent its whole body. Not a server error:
 * nobody is left to answer, so servers log it at debug level. It answers
 * 400 to an application that turns HttpErrors into responses.
 */
export class ClientDisconnected extends HttpError {
  override name = 'ClientDisconnected';
  constructor(
    /** Body bytes received before the connection ended. */
    readonly received: number,
    cause?: unknown,
  ) {
    super('400 Bad Request', `the client disconnected after sending ${received} bytes of its body`);
    if (cause !== undefined) this.cause = cause;
  }
}
