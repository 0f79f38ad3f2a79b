/**
 * Form bodies under Django's upload limits (http/limits.ts): fields and
 * files are counted and bytes measured while the body is read and parsed,
 * so a body past a limit is refused — 413 for a size, 400 for a count —
 * having cost no more than the limit, whatever its length; never a parse
 * of the whole thing. The settings that set the limits are checked like
 * every other.
 */
import { describe, expect, it } from 'vitest';
import { checkSettings } from '../../src/runtime/conf/checks.js';
import { DEFAULTS } from '../../src/runtime/conf/defaults.js';
import { READ_CHUNK } from '../../src/runtime/http/body.js';
import { createApplication, DEFAULT_UPLOAD_LIMITS, path, Request, text, uploadLimits, type UploadLimits } from '../../src/runtime/http/index.js';
import { REQUEST_JSON_MAX_DEPTH } from '../../src/runtime/http/request.js';
import { Client } from '../../src/runtime/test/index.js';
import { buildEnviron } from '../../src/runtime/tsgi/environ.js';
import { BodyReader } from '../../src/runtime/tsgi/input.js';

const URLENCODED = 'application/x-www-form-urlencoded';
const BOUNDARY = 'tsgate-limits';
const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;
const MB = 1024 * 1024;

function part(name: string, value: string, filename?: string): string {
  const disposition = `form-data; name="${name}"${filename ? `; filename="${filename}"\r\nContent-Type: application/octet-stream` : ''}`;
  return `--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\n\r\n${value}\r\n`;
}
const multipart = (...parts: string[]) => `${parts.join('')}--${BOUNDARY}--\r\n`;
const fields = (count: number) => Array.from({ length: count }, (_, i) => `f${i}=${i}`).join('&');

/** An app that answers with the form it was given: field and file counts. */
function formApp(limits?: UploadLimits) {
  const view = async (request: Request) => text(`${[...(await request.form()).keys()].length} fields, ${(await request.files()).length} files`);
  return new Client(createApplication([path('', view, { methods: ['POST'] })], { errors: { debug: false, settings: () => ({}) }, ...(limits ? { uploadLimits: limits } : {}) }));
}

async function post(client: Client, body: string, contentType: string): Promise<string> {
  const response = await client.post('/', body, { headers: { 'Content-Type': contentType } });
  return `${response.status} ${response.text().trim()}`;
}

/**
 * A request whose body is `chunk` again and again (`times` times, or
 * without end), with or without a Content-Length; `meter.read` counts the
 * bytes the app pulled from it.
 */
function endlessRequest(chunk: string, contentType: string, options: { times?: number; contentLength?: number; limits?: UploadLimits } = {}) {
  const meter = { read: 0 };
  const bytes = Buffer.from(chunk);
  const source = (async function* () {
    for (let i = 0; i < (options.times ?? Infinity); i++) {
      meter.read += bytes.byteLength;
      yield bytes;
    }
  })();
  const headers: [string, string][] = [['Content-Type', contentType]];
  if (options.contentLength !== undefined) headers.push(['Content-Length', String(options.contentLength)]);
  const input = new BodyReader(source, options.contentLength);
  return { request: new Request(buildEnviron({ method: 'POST', target: '/', headers, input }), options.limits), meter };
}

describe('urlencoded forms', () => {
  const client = formApp();

  it('are parsed up to DATA_UPLOAD_MAX_NUMBER_FIELDS (1000) fields; one more is a 400 that says which setting', async () => {
    expect(await post(client, fields(1000), URLENCODED)).toBe('200 1000 fields, 0 files');
    expect(await post(client, fields(1001), URLENCODED)).toBe('400 the form has more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS (1000)');
    // Django counts one more field than there are separators, empty ones too.
    expect(await post(client, `a=1${'&'.repeat(1000)}`, URLENCODED)).toMatch(/^400 /);
  });

  it('over DATA_UPLOAD_MAX_MEMORY_SIZE by Content-Length: a 413 before a byte of the body is read', async () => {
    const { request, meter } = endlessRequest('a&', URLENCODED, { contentLength: 10 * MB });
    await expect(request.form()).rejects.toMatchObject({ status: '413 Content Too Large', message: 'the request body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE (2621440 bytes)' });
    expect(meter.read).toBe(0);
  });

  it('a chunked body without end: a 413 once it passes DATA_UPLOAD_MAX_MEMORY_SIZE, having read no more than that and a chunk', async () => {
    const { request, meter } = endlessRequest('a=1&'.repeat(4096), URLENCODED);
    await expect(request.form()).rejects.toMatchObject({ status: '413 Content Too Large' });
    expect(meter.read).toBeGreaterThan(DEFAULT_UPLOAD_LIMITS.maxMemorySize);
    expect(meter.read).toBeLessThanOrEqual(DEFAULT_UPLOAD_LIMITS.maxMemorySize + 2 * READ_CHUNK);
  });

  it('1.1 million fields in 10 MB with the size limit off: a 400, counted, not parsed', async () => {
    const limits = { ...DEFAULT_UPLOAD_LIMITS, maxMemorySize: undefined };
    const { request } = endlessRequest('a&'.repeat(1024), URLENCODED, { times: 5 * 1024, limits });
    await expect(request.form()).rejects.toMatchObject({ status: '400 Bad Request', message: 'the form has more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS (1000)' });
  });

  it('body(), text() and json() keep to DATA_UPLOAD_MAX_MEMORY_SIZE too, as request.body does in Django', async () => {
    const json = JSON.stringify({ data: 'x'.repeat(3 * MB) });
    const app = createApplication([path('', async (request) => text(String(((await request.json()) as { data: string }).data.length)))], { errors: { debug: false, settings: () => ({}) } });
    const response = await new Client(app).post('/', json, { headers: { 'Content-Type': 'application/json' } });
    expect(response.status).toBe(413);
    expect(response.text()).toContain('DATA_UPLOAD_MAX_MEMORY_SIZE');
  });

  it('json(): a body that is not JSON, or nests past REQUEST_JSON_MAX_DEPTH, is a 400 and never parsed', async () => {
    const app = createApplication([path('', async (request) => text(JSON.stringify(await request.json())))], { errors: { debug: false, settings: () => ({}) } });
    const client = new Client(app);
    const send = (body: string) => client.post('/', body, { headers: { 'Content-Type': 'application/json' } });
    // 2 MB of '[' took JSON.parse about 5 s of a worker's CPU before the depth check.
    const deep = await send('['.repeat(2 * MB));
    expect([deep.status, deep.text()]).toEqual([400, `the JSON body nests deeper than ${REQUEST_JSON_MAX_DEPTH} levels\n`]);
    const bad = await send('{"a": ');
    expect(bad.status).toBe(400);
    expect(bad.text()).toMatch(/^the body is not valid JSON: /);
    const nested = `${'['.repeat(REQUEST_JSON_MAX_DEPTH)}"[{ in a string"${']'.repeat(REQUEST_JSON_MAX_DEPTH)}`;
    expect((await send(nested)).text()).toBe(nested);
  });

  it('with the limits set to null (or 0), take any number of fields and any size', async () => {
    const off = uploadLimits({ DATA_UPLOAD_MAX_MEMORY_SIZE: null, DATA_UPLOAD_MAX_NUMBER_FIELDS: 0, DATA_UPLOAD_MAX_NUMBER_FILES: null, FILE_UPLOAD_MAX_SIZE: null });
    expect(off).toEqual({ maxMemorySize: undefined, maxNumberFields: undefined, maxNumberFiles: undefined, maxFileSize: undefined });
    const unlimited = formApp(off);
    expect(await post(unlimited, fields(5000), URLENCODED)).toBe('200 5000 fields, 0 files');
    expect(await post(unlimited, `a=${'x'.repeat(3 * MB)}`, URLENCODED)).toBe('200 1 fields, 0 files');
  });
});

describe('multipart forms', () => {
  const client = formApp();

  it('fields: DATA_UPLOAD_MAX_NUMBER_FIELDS of them pass, one more is a 400', async () => {
    const many = (count: number) => multipart(...Array.from({ length: count }, (_, i) => part(`f${i}`, String(i))));
    expect(await post(client, many(1000), MULTIPART)).toBe('200 1000 fields, 0 files');
    expect(await post(client, many(1001), MULTIPART)).toBe('400 the form has more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS (1000)');
  });

  it('files: DATA_UPLOAD_MAX_NUMBER_FILES (100) of them pass, one more is a 400', async () => {
    const files = (count: number) => multipart(...Array.from({ length: count }, (_, i) => part('upload', 'x', `${i}.txt`)));
    expect(await post(client, files(100), MULTIPART)).toBe('200 0 fields, 100 files');
    expect(await post(client, files(101), MULTIPART)).toBe('400 the form has more files than DATA_UPLOAD_MAX_NUMBER_FILES (100)');
  });

  it('field data over DATA_UPLOAD_MAX_MEMORY_SIZE in all is a 413; files do not count against it', async () => {
    const half = 'x'.repeat(1.5 * MB);
    expect(await post(client, multipart(part('a', half), part('b', half)), MULTIPART)).toBe(
      '413 the form data is larger than DATA_UPLOAD_MAX_MEMORY_SIZE (2621440 bytes)',
    );
    expect(await post(client, multipart(part('title', 'report'), part('upload', 'y'.repeat(3 * MB), 'report.bin')), MULTIPART)).toBe('200 1 fields, 1 files');
  });

  it('a file over FILE_UPLOAD_MAX_SIZE is a 413 naming the file', async () => {
    const small = formApp({ ...DEFAULT_UPLOAD_LIMITS, maxFileSize: 1000 });
    expect(await post(small, multipart(part('upload', 'z'.repeat(1001), 'big.bin')), MULTIPART)).toBe('413 the file "big.bin" is larger than FILE_UPLOAD_MAX_SIZE (1000 bytes)');
    expect(await post(small, multipart(part('upload', 'z'.repeat(1000), 'fits.bin')), MULTIPART)).toBe('200 0 fields, 1 files');
  });

  it('a body of fields without end: a 400 at the 1001st field, having read little of it', async () => {
    const { request, meter } = endlessRequest(part('f', '1').repeat(100), MULTIPART);
    await expect(request.form()).rejects.toMatchObject({ status: '400 Bad Request', message: 'the form has more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS (1000)' });
    expect(meter.read).toBeLessThan(10 * READ_CHUNK);
  });

  it('is parsed as it arrives: body() afterwards is a clear error; body() first keeps both', async () => {
    const body = multipart(part('title', 'Hello'));
    const streamed = endlessRequest(body, MULTIPART, { times: 1, contentLength: Buffer.byteLength(body) }).request;
    expect((await streamed.form()).get('title')).toBe('Hello');
    await expect(streamed.body()).rejects.toThrow('body() cannot be read after form() or files() parsed a multipart body as it arrived; call body() first to keep it');

    const kept = endlessRequest(body, MULTIPART, { times: 1, contentLength: Buffer.byteLength(body) }).request;
    expect(Buffer.from(await kept.body()).toString()).toBe(body);
    expect((await kept.form()).get('title')).toBe('Hello');
  });
});

describe('the upload settings', () => {
  it("default to Django's: 2.5 MB of form data, 1000 fields, 100 files; and 10 MB a file", () => {
    expect(DEFAULTS).toMatchObject({
      DATA_UPLOAD_MAX_MEMORY_SIZE: 2_621_440,
      DATA_UPLOAD_MAX_NUMBER_FIELDS: 1000,
      DATA_UPLOAD_MAX_NUMBER_FILES: 100,
      FILE_UPLOAD_MAX_SIZE: 10_485_760,
    });
    expect(uploadLimits(DEFAULTS)).toEqual(DEFAULT_UPLOAD_LIMITS);
  });

  it('take a whole number or null; anything else is reported with the setting and an example', () => {
    const problems = (values: Record<string, unknown>) => checkSettings({ ...DEFAULTS, ROOT_URLCONF: 'urls', WSGI_APPLICATION: 'wsgi:application', ...values });
    expect(problems({ DATA_UPLOAD_MAX_MEMORY_SIZE: null, DATA_UPLOAD_MAX_NUMBER_FIELDS: 0, DATA_UPLOAD_MAX_NUMBER_FILES: 5, FILE_UPLOAD_MAX_SIZE: 1 })).toEqual([]);
    expect(problems({ DATA_UPLOAD_MAX_MEMORY_SIZE: '2.5MB', DATA_UPLOAD_MAX_NUMBER_FIELDS: -1, DATA_UPLOAD_MAX_NUMBER_FILES: 1.5, FILE_UPLOAD_MAX_SIZE: undefined })).toEqual([
      'DATA_UPLOAD_MAX_MEMORY_SIZE must be a whole number of bytes, or null for no limit, got "2.5MB" — e.g. DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440 (2.5 MB)',
      'DATA_UPLOAD_MAX_NUMBER_FIELDS must be a whole number of fields, or null for no limit, got -1 — e.g. DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000',
      'DATA_UPLOAD_MAX_NUMBER_FILES must be a whole number of files, or null for no limit, got 1.5 — e.g. DATA_UPLOAD_MAX_NUMBER_FILES = 100',
      'FILE_UPLOAD_MAX_SIZE must be a whole number of bytes, or null for no limit, got undefined — e.g. FILE_UPLOAD_MAX_SIZE = 10_485_760 (10 MB)',
    ]);
    // A typo is caught like any other setting's.
    expect(problems({ DATA_UPLOAD_MAX_NUMBER_FIELD: 10 })).toEqual(['DATA_UPLOAD_MAX_NUMBER_FIELD is not a setting — did you mean DATA_UPLOAD_MAX_NUMBER_FIELDS?']);
  });
});
