/** One HTTP request to a server the test started on 127.0.0.1. */
import http from 'node:http';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface GetOptions {
  headers?: Record<string, string>;
  /** Node's global agent unless given. */
  agent?: http.Agent;
  method?: string;
}

/** Sends one request to 127.0.0.1:`port` and resolves with the whole answer. */
export function get(port: number, path: string, options: GetOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', agent: options.agent, headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The status of a GET of `path`, the body read and dropped. */
export async function getStatus(port: number, path: string, headers: Record<string, string> = {}): Promise<number> {
  return (await get(port, path, { headers })).status;
}
