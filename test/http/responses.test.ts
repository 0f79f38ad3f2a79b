import { existsSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApplication, fileResponse, path, streaming, text, type Request } from '../../src/runtime/http/index.js';
import { logger } from '../../src/runtime/logging/index.js';
import { requestLoggingMiddleware } from '../../src/runtime/middleware/index.js';
import { Client } from '../../src/runtime/test/index.js';
import { tempDir } from '../helpers/process.js';

const BOUNDARY = '----tsgate-test-boundary';
function multipart(parts: { name: string; value: string; filename?: string; type?: string }[]): string {
  return (
    parts
      .map((part) => {
        const disposition = `form-data; name="${part.name}"${part.filename ? `; filename="${part.filename}"` : ''}`;
        const type = part.filename ? `\r\nContent-Type: ${part.type ?? 'text/plain'}` : '';
        return `--${BOUNDARY}\r\nContent-Disposition: ${disposition}${type}\r\n\r\n${part.value}\r\n`;
      })
      .join('') + `--${BOUNDARY}--\r\n`
  );
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('request bodies', () => {
  const echo = async (request: Request) => {
    const fields = Object.fromEntries(await request.form());
    const files = (await request.files()).map((file) => ({ field: file.field, name: file.filename, type: file.contentType, text: file.data.toString() }));
    return text(JSON.stringify({ fields, files }));
  };
  const client = new Client(createApplication([path('echo/', echo)]));

  it('parses urlencoded forms, and the body can be read again by the view', async () => {
    const app = createApplication([path('', async (request) => text(`${(await request.form()).get('a')} ${await request.text()}`))]);
    const response = await new Client(app).post('/', 'a=1&b=2', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(response.text()).toBe('1 a=1&b=2');
  });

  it('parses multipart forms into fields and uploaded files', async () => {
    const body = multipart([
      { name: 'title', value: 'Hello' },
      { name: 'upload', value: 'file body', filename: 'notes.txt' },
    ]);
    const response = await client.post('/echo/', body, { headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}` } });
    expect(response.json()).toEqual({ fields: { title: 'Hello' }, files: [{ field: 'upload', name: 'notes.txt', type: 'text/plain', text: 'file body' }] });
  });

  it('answers 413 to an upload over the limit, and 400 to a malformed multipart body', async () => {
    const big = multipart([{ name: 'upload', value: 'x'.repeat(11 * 1024 * 1024), filename: 'big.bin' }]);
    const tooBig = await new Client(createApplication([path('echo/', echo)], { errors: { debug: false, settings: () => ({}) } })).post('/echo/', big, {
      headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}` },
    });
    expect(tooBig.status).toBe(413);
    const bad = await client.post('/echo/', 'nonsense', { headers: { 'Content-Type': 'multipart/form-data' } });
    expect(bad.status).toBe(400);
  });
});

describe('response types', () => {
  it('streams chunks as they come', async () => {
    async function* chunks() {
      yield Buffer.from('a');
      yield Buffer.from('b');
    }
    const app = createApplication([path('', () => streaming(chunks(), 'text/plain'))]);
    const response = await new Client(app).get('/');
    expect(response.text()).toBe('ab');
    expect(response.header('content-length')).toBeUndefined();
  });

  it('sends a file with its type and length, and as an attachment with a safe name', async () => {
    const dir = tempDir();
    const file = join(dir, 'report.csv');
    writeFileSync(file, 'a,b\n1,2\n');
    const app = createApplication([
      path('inline/', () => fileResponse(file)),
      path('download/', () => fileResponse(file, { attachment: true, filename: 'q"1 report.csv' })),
    ]);
    const inline = await new Client(app).get('/inline/');
    expect(inline.text()).toBe('a,b\n1,2\n');
    expect(inline.header('content-type')).toBe('text/csv; charset=utf-8');
    expect(inline.header('content-length')).toBe('8');
    const download = await new Client(app).get('/download/');
    expect(download.header('content-disposition')).toBe(`attachment; filename="q_1 report.csv"; filename*=UTF-8''q%221%20report.csv`);
  });

  it.skipIf(!existsSync('/proc/self/fd'))('opens the file only when sent: a response replaced by a middleware leaves no file open', async () => {
    const file = join(tempDir('tsgate-file-'), 'report.csv');
    writeFileSync(file, 'a,b\n');
    const openOnFile = () => readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === file;
      } catch {
        return false;
      }
    }).length;
    const replaced = Array.from({ length: 5 }, () => fileResponse(file));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(replaced).toHaveLength(5);
    expect(openOnFile()).toBe(0);
    const app = createApplication([path('file/', () => fileResponse(file))]);
    expect((await new Client(app).get('/file/')).text()).toBe('a,b\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(openOnFile()).toBe(0);
  });
});

describe('project error pages and request logging', () => {
  it('uses the 404 page outside DEBUG, and the plain one when it fails', async () => {
    const custom = createApplication([], { render404: () => '<h1>Lost</h1>' });
    expect((await new Client(custom).get('/x')).text()).toBe('<h1>Lost</h1>');
    const broken = createApplication([], {
      render404: () => {
        throw new Error('no template');
      },
    });
    expect((await new Client(broken).get('/x')).text()).toBe('Not Found\n');
    // DEBUG shows the technical page instead (test/http/views.test.ts).
    expect((await new Client(createApplication([], { debug: true, render404: () => 'x' })).get('/x')).text()).toMatch(/<title>Page not found at \/x<\/title>/);
  });

  it('logs one line per request with status and duration', async () => {
    logger.configure({ level: 'info', json: true });
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
    const app = createApplication([path('ok/', () => text('ok'))], { middleware: [requestLoggingMiddleware] });
    await new Client(app).get('/ok/');
    const entry = JSON.parse(out.trim()) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 'info', message: 'GET /ok/ 200', method: 'GET', path: '/ok/', status: 200, client: '127.0.0.1' });
    expect(typeof entry.duration_ms).toBe('number');
  });
});
