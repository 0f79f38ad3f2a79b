// @ts-check
/**
 * Issue 14.4, memory under hostile form bodies: what a worker holds after
 * bodies built to make form parsing expensive, against its own idle RSS
 * measured in the same run.
 *
 * A small project over the built runtime (bench/lib/manage-project.js)
 * with the CSRF middleware, which parses the form of every POST that
 * carries a CSRF cookie, served by `manage serve --workers 2`. After 200
 * GETs and 3 s idle each worker's VmRSS is the baseline. Then, on a new
 * connection each, as curl sends them (the whole body, however early the
 * answer comes):
 *
 * - 9.9 MB urlencoded of 1.1 million fields (`x=123456&…`) with Content-Length,
 * - the same chunked,
 * - 9 MB of multipart with 300 000 small fields,
 *
 * each FLOODS times. After 3 s idle each worker's VmRSS and its peak (VmHWM)
 * are read again. Bar: every worker's RSS after the floods ≤ its idle RSS
 * + 25 MB (the issue's report: 812 MB at the peak, 694 MB two minutes
 * later), and no flood answered 2xx. Linux only (/proc).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { childPids, load, procStatusKb, sleep, TSGATE_DIST, withServer } from './lib/harness.js';
import { writeManageProject } from './lib/manage-project.js';
import { loadAverageNow, machine, markdownTable, reportHeader, round, textTable } from './lib/report.js';

export const name = 'form-flood';
export const description = 'worker RSS after hostile form bodies (9.9 MB of 1.1 M urlencoded fields, with Content-Length and chunked; 9 MB of multipart fields), against the same workers idle';

const WORKERS = 2;
const FLOODS = 4;
const IDLE_MS = 3000;
const BAR_GROWTH_MB = 25;
const CSRF_COOKIE = 'csrftoken=floodfloodfloodfloodfloodfloodflood12';
const BOUNDARY = 'flood';

/** kB → MB of 2^20 bytes. @param {number | undefined} kb */
const mb = (kb) => (kb === undefined ? null : round(kb / 1024, 1));

/**
 * @typedef {object} Flood
 * @property {string} label
 * @property {string} head   request head after the request line, without the final CRLF
 * @property {Buffer[]} body  written one after the other
 */

/** @returns {Flood[]} */
function floods() {
  // The report's body: 9.9 MB of 1.1 million fields.
  const urlencoded = Buffer.from('x=123456&'.repeat(1_100_000));
  const part = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="f"\r\n\r\n1\r\n`;
  const multipart = Buffer.from(part.repeat(Math.floor(9_000_000 / part.length)) + `--${BOUNDARY}--\r\n`);
  const common = `Host: 127.0.0.1\r\nCookie: ${CSRF_COOKIE}\r\nConnection: close\r\n`;
  const chunks = [];
  for (let at = 0; at < urlencoded.length; at += 65536) {
    const piece = urlencoded.subarray(at, at + 65536);
    chunks.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from('0\r\n\r\n'));
  return [
    {
      label: `urlencoded, ${urlencoded.length / 1e6} MB, Content-Length`,
      head: `${common}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${urlencoded.length}\r\n`,
      body: [urlencoded],
    },
    { label: `urlencoded, ${urlencoded.length / 1e6} MB, chunked`, head: `${common}Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n`, body: chunks },
    {
      label: `multipart, ${round(multipart.length / 1e6, 1)} MB of fields`,
      head: `${common}Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: ${multipart.length}\r\n`,
      body: [multipart],
    },
  ];
}

/**
 * Sends one flood on a new connection and resolves with the status line's
 * code, or 'cut' when the server closed before an answer reached us.
 *
 * @param {number} port
 * @param {Flood} flood
 * @returns {Promise<string>}
 */
function send(port, flood) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    const done = () => resolve(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 'cut');
    socket.setEncoding('latin1');
    socket.on('data', (text) => (received += text));
    socket.on('error', done);
    socket.on('close', done);
    socket.on('connect', () => {
      socket.write(`POST / HTTP/1.1\r\n${flood.head}\r\n`);
      for (const piece of flood.body) socket.write(piece);
    });
    socket.setTimeout(60_000, () => socket.destroy());
  });
}

/** @param {string} dir */
function writeProject(dir) {
  const module = (/** @type {string} */ folder) => JSON.stringify(pathToFileURL(join(TSGATE_DIST, folder, 'index.js')).href);
  writeManageProject(
    dir,
    `import { csrfMiddleware } from ${module('middleware')};
export const BASE_DIR = ${JSON.stringify(dir)};
export const DEBUG = false;
export const SECRET_KEY = 'form-flood-bench-key-that-is-long-enough-0123456789';
export const ALLOWED_HOSTS = ['127.0.0.1'];
export const MIDDLEWARE = [csrfMiddleware];
export const ROOT_URLCONF = 'urls';
export const WSGI_APPLICATION = 'wsgi:application';
export const DATABASES = { default: { URL: 'sqlite://:memory:' } };
`,
  );
  writeFileSync(
    join(dir, 'urls.mjs'),
    `import { path, text } from ${module('http')};
export const urlpatterns = [path('', async (request) => text(request.method === 'POST' ? \`\${[...(await request.form()).keys()].length} fields\\n\` : 'ok\\n'))];
`,
  );
  writeFileSync(
    join(dir, 'wsgi.mjs'),
    `import { getWsgiApplication } from ${JSON.stringify(pathToFileURL(join(TSGATE_DIST, 'wsgi.js')).href)};
export const application = await getWsgiApplication({ root: new URL('.', import.meta.url) });
`,
  );
}

/**
 * @typedef {object} WorkerMemory
 * @property {number} pid
 * @property {number | null} idleMb   VmRSS after the GETs and 3 s idle
 * @property {number | null} afterMb  VmRSS after the floods and 3 s idle
 * @property {number | null} peakMb   VmHWM then
 * @property {number | null} growthMb afterMb − idleMb
 *
 * @typedef {object} FormFloodResult
 * @property {string} name
 * @property {string} description
 * @property {string} date
 * @property {string} node
 * @property {string} platform
 * @property {number} cpuCount
 * @property {string} cpuModel
 * @property {number[]} loadAverage
 * @property {{ workers: number, floods: number, idleSeconds: number, unit: string }} params
 * @property {Record<string, Record<string, number>>} answers  by flood: answers by status ('cut': none before the close)
 * @property {WorkerMemory[]} workers
 * @property {number} bar  MB of growth
 * @property {boolean} pass
 */

/**
 * @param {import('./lib/harness.js').BenchOptions} _options
 * @returns {Promise<FormFloodResult>}
 */
export async function run(_options) {
  if (process.platform !== 'linux') throw new Error('form-flood reads /proc: it runs on Linux only');
  const loadAverage = loadAverageNow();
  const dir = mkdtempSync(join(tmpdir(), 'tsgate-form-flood-'));
  try {
    writeProject(dir);
    const start = {
      script: join(dir, 'manage.mjs'),
      workers: WORKERS,
      cwd: dir,
      args: (/** @type {number} */ port) => ['serve', '--workers', String(WORKERS), '--bind', `127.0.0.1:${port}`],
      isReady: (/** @type {string} */ output) => (output.match(/Booting worker with pid: \d+/g) ?? []).length >= WORKERS,
    };
    return await withServer(start, 'form-flood project', async (server) => {
      const primary = server.child.pid ?? -1;
      await load(server.url, { amount: 200, connections: 4, keepAlive: false });
      await sleep(IDLE_MS);
      const idle = new Map(childPids(primary).map((pid) => [pid, mb(procStatusKb(pid, 'VmRSS'))]));
      /** @type {Record<string, Record<string, number>>} */
      const answers = {};
      for (const flood of floods()) {
        process.stderr.write(`  ${flood.label}… `);
        const counts = (answers[flood.label] = /** @type {Record<string, number>} */ ({}));
        // One after the other, on new connections: the workers take them in turn.
        for (let i = 0; i < FLOODS; i++) {
          const status = await send(server.port, flood);
          counts[status] = (counts[status] ?? 0) + 1;
        }
        process.stderr.write(`${JSON.stringify(counts)}\n`);
      }
      await sleep(IDLE_MS);
      /** @type {WorkerMemory[]} */
      const workers = childPids(primary).map((pid) => {
        const idleMb = idle.get(pid) ?? null;
        const afterMb = mb(procStatusKb(pid, 'VmRSS'));
        return { pid, idleMb, afterMb, peakMb: mb(procStatusKb(pid, 'VmHWM')), growthMb: idleMb === null || afterMb === null ? null : round(afterMb - idleMb, 1) };
      });
      const answered2xx = Object.values(answers).some((counts) => Object.keys(counts).some((status) => status.startsWith('2')));
      return {
        name,
        description,
        ...machine(),
        loadAverage,
        params: { workers: WORKERS, floods: FLOODS, idleSeconds: IDLE_MS / 1000, unit: 'MB = 2^20 bytes (VmRSS kB ÷ 1024)' },
        answers,
        workers,
        bar: BAR_GROWTH_MB,
        pass: workers.length === WORKERS && !answered2xx && workers.every((worker) => worker.growthMb !== null && worker.growthMb <= BAR_GROWTH_MB),
      };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const HEAD = ['worker', 'idle RSS MB', 'RSS after the floods MB', 'growth MB', 'peak (HWM) MB', 'bar'];

/** @param {FormFloodResult} result */
function rows(result) {
  return result.workers.map((worker) => [
    worker.pid,
    worker.idleMb ?? 'n/a',
    worker.afterMb ?? 'n/a',
    worker.growthMb ?? 'n/a',
    worker.peakMb ?? 'n/a',
    `growth ≤ ${result.bar}: ${worker.growthMb !== null && worker.growthMb <= result.bar ? 'PASS' : 'FAIL'}`,
  ]);
}

/** @param {FormFloodResult} result */
function verdict(result) {
  const growth = Math.max(...result.workers.map((worker) => worker.growthMb ?? Infinity));
  const peak = Math.max(...result.workers.map((worker) => worker.peakMb ?? Infinity));
  return `largest growth over idle ${growth} MB, highest peak ${peak} MB (bar: growth ≤ ${result.bar} MB, no flood answered 2xx): ${result.pass ? 'PASS' : 'FAIL'}`;
}

/** @param {FormFloodResult} result */
function answerLines(result) {
  return Object.entries(result.answers).map(([label, counts]) => `- ${label}: ${Object.entries(counts).map(([status, n]) => `${n} × ${status}`).join(', ')}`);
}

/** @param {FormFloodResult} result */
export function summary(result) {
  return `${answerLines(result).join('\n')}\n${textTable(HEAD, rows(result))}\n\n${verdict(result)}`;
}

/** @param {FormFloodResult} result */
export function markdown(result) {
  const p = result.params;
  return `# form-flood

${result.description}.

**${verdict(result)}**

${reportHeader(result)}
- \`manage serve --workers ${p.workers}\` of a project with the CSRF middleware (which parses the form of a POST carrying a CSRF cookie) and the default upload limits; 200 GETs, ${p.idleSeconds} s idle, VmRSS of each worker; then each flood ${p.floods} times on new connections, the whole body sent as curl sends it; ${p.idleSeconds} s idle; VmRSS and VmHWM again
- ${p.unit}

Answers ('cut': the server answered and closed while the body was still being sent, and the answer was lost — issue 14.5):

${answerLines(result).join('\n')}

${markdownTable(HEAD, rows(result))}
`;
}
