/** A test client that keeps cookies like a browser and posts forms with the page's CSRF token. */
import { Client, type TestResponse } from '../../src/runtime/test/index.js';
import type { Application } from '../../src/runtime/tsgi/types.js';

export class Browser {
  readonly cookies = new Map<string, string>();
  private readonly client: Client;

  constructor(
    app: Application,
    readonly ip = '127.0.0.1',
  ) {
    this.client = new Client(app, 'testserver');
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    return { ...(cookie ? { Cookie: cookie } : {}), ...extra };
  }

  private keep(response: TestResponse): TestResponse {
    for (const [name, value] of response.headers) {
      if (name.toLowerCase() !== 'set-cookie') continue;
      const [pair = ''] = value.split(';');
      const index = pair.indexOf('=');
      const key = pair.slice(0, index);
      const content = pair.slice(index + 1);
      if (/Max-Age=0\b/.test(value)) this.cookies.delete(key);
      else this.cookies.set(key, content);
    }
    return response;
  }

  async get(target: string): Promise<TestResponse> {
    return this.keep(await this.client.get(target, { headers: this.headers(), environ: { REMOTE_ADDR: this.ip } }));
  }

  /** Posts a form; the CSRF token from the cookie (fetched with a GET of `/` first when there is none) unless `csrf` is false. */
  async post(target: string, fields: Record<string, string>, { csrf = true } = {}): Promise<TestResponse> {
    if (csrf && !this.cookies.has('csrftoken')) await this.get('/accounts/login/');
    const body = new URLSearchParams(fields);
    if (csrf) body.set('csrfmiddlewaretoken', this.cookies.get('csrftoken') ?? '');
    const headers = this.headers({ 'Content-Type': 'application/x-www-form-urlencoded' });
    return this.keep(await this.client.post(target, body.toString(), { headers, environ: { REMOTE_ADDR: this.ip } }));
  }
}
