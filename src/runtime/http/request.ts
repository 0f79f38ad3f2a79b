import type { Environ } from '../tsgi/types.js';

/** A view's view of one request, read from the TSGI environ. */
export class Request {
  readonly method: string;
  /** SCRIPT_NAME + PATH_INFO: the full path, decoded. */
  readonly path: string;
  /** PATH_INFO: the path under the script name, used for routing. */
  readonly pathInfo: string;
  private parsedQuery: URLSearchParams | undefined;
  /** Values captured from the URL by the route that matched. */
  params: Record<string, string | number> = {};

  constructor(readonly environ: Environ) {
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

  /** A request header by name, case-insensitive. */
  header(name: string): string | undefined {
    const upper = name.toUpperCase().replaceAll('-', '_');
    if (upper === 'CONTENT_TYPE' || upper === 'CONTENT_LENGTH') return this.environ[upper];
    const value = this.environ[`HTTP_${upper}`];
    return typeof value === 'string' ? value : undefined;
  }

  /** The whole body as bytes. */
  async body(): Promise<Uint8Array> {
    return this.environ['wsgi.input'].read();
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(await this.body());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }
}
