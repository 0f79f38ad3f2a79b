/**
 * Hostile form bodies against a real `manage serve -w 2` of a project whose
 * settings lower DATA_UPLOAD_MAX_NUMBER_FIELDS to 500: the limits come from
 * the settings, a body over DATA_UPLOAD_MAX_MEMORY_SIZE is answered from its
 * Content-Length alone, a chunked one once it passes the limit, a flood of
 * fields with a 400 — and the workers go on serving, none replaced.
 * (What such bodies cost in memory is measured by `npm run bench form-flood`.)
 */
import { describe, expect, it } from 'vitest';
import { READ_CHUNK } from '../../src/runtime/http/body.js';
import { parseRaw, rawExchange, request } from '../server/helpers.js';
import { runtimeModule, serveProject, servingFiles, TestProject, useProjects } from '../db/project.js';

useProjects();

const MEMORY_LIMIT = 2_621_440;

function project(): TestProject {
  return new TestProject({
    apps: [],
    files: {
      'urls.mjs': `import { path, text } from ${JSON.stringify(runtimeModule('http/index.js'))};
export const urlpatterns = [path('', async (request) => text(\`\${[...(await request.form()).keys()].length} fields\\n\`), { methods: ['POST'] })];
`,
      ...servingFiles("export const DATABASES = { default: { URL: 'sqlite://:memory:' } };\nexport const DATA_UPLOAD_MAX_NUMBER_FIELDS = 500;\n"),
    },
  });
}

/** A POST of urlencoded data on a fresh connection; `body` may be partial (the head announces what it announces). */
async function post(port: number, head: string, body = ''): Promise<{ status: number; body: string }> {
  const raw = await rawExchange(port, `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\n${head}\r\n${body}`, 30_000);
  const reply = parseRaw(raw);
  return { status: Number(reply.statusLine.split(' ')[1]), body: reply.body.toString() };
}

describe('serve: form bodies past the upload limits', () => {
  it('are refused as they are read, with the setting named; the workers go on', { timeout: 180_000 }, async () => {
    const { server, port } = await serveProject(project());

    // 10 MB announced (1.1 million fields, as in the report): answered from the head, no byte of the body sent or read.
    expect(await post(port, 'Content-Length: 10000000\r\n')).toEqual({
      status: 413,
      body: `the request body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE (${MEMORY_LIMIT} bytes)\n`,
    });

    // Chunked, with no length: refused once past the limit. Exactly as much is sent as the app reads by then
    // (whole READ_CHUNKs), so no unread byte turns the server's close into a reset.
    const size = (Math.floor(MEMORY_LIMIT / READ_CHUNK) + 1) * READ_CHUNK;
    expect(await post(port, 'Transfer-Encoding: chunked\r\n', `${size.toString(16)}\r\n${'a&'.repeat(size / 2)}`)).toEqual({
      status: 413,
      body: `the request body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE (${MEMORY_LIMIT} bytes)\n`,
    });

    // Under the size limit, a million fields: counted against the project's 500, not parsed.
    const flood = 'a&'.repeat(1_000_000);
    expect(await post(port, `Content-Length: ${flood.length}\r\n`, flood)).toEqual({
      status: 400,
      body: 'the form has more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS (500)\n',
    });

    const fields = Array.from({ length: 500 }, (_, i) => `f${i}=${i}`).join('&');
    expect(await post(port, `Content-Length: ${fields.length}\r\n`, fields)).toEqual({ status: 200, body: '500 fields\n' });
    expect((await request({ port, path: '/healthz' })).status).toBe(200);
    expect(server.count('exited with'), server.stderr).toBe(0);
    expect(server.bootedPids()).toHaveLength(2);
  });
});
