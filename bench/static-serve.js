// @ts-check
/**
 * The bar (docs/architecture.md, Quality bars): serving a static file must
 * reach ≥ 0.8× the requests/s of
 * the `serve` hello-world TSGI app, both with 2 workers, same machine, same
 * load tool, in one run.
 *
 * The static server (bench/static-serve-server.js) is a project's
 * application as getWsgiApplication() builds it in production (DEBUG off,
 * STATIC_ROOT collected, the default middleware behind the static layer).
 * It serves a collected stylesheet, `css/site.<hash>.css`
 * (about 2 KB, with .gz and .br copies as collectstatic leaves them):
 * - identity: no Accept-Encoding, the file's own bytes: the bar;
 * - br: `Accept-Encoding: gzip, deflate, br`, the .br copy: reported.
 * The hello app is bench/servers/tsgi-hello.js, as in serve-hello. Each
 * server is measured `rounds` times, the order alternating per round; every
 * response body is checked (autocannon).
 *
 * Each run loads the server with autocannon and then, when it is installed,
 * with wrk (C, one thread: autocannon is a node process on the same cores
 * and pays for every body it checks), so each round gives a static ÷ hello
 * ratio per tool: issue 20 asks for ≥ 0.9 in every run, not on average.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { alternating, BENCH_DIR, cpuProfArgs, load, loadWithCpu, treeCpuSeconds, TSGATE_DIST, withServer } from './lib/harness.js';
import { writeManageProject } from './lib/manage-project.js';
import { LOAD_HEAD, loadAverageAtStart, loadCells, loadMeans, loadNote, loadParams, markdownTable, perRun, ratios, reportHeader, resultHead, textTable } from './lib/report.js';
import { BODY_TEXT } from './servers/body.js';
import { wrkAvailable, wrkLoadWithCpu } from './lib/wrk.js';

export const name = 'static-serve';
export const description = 'a collected static file served by tsgate serve (2 workers) vs the hello-world TSGI app (2 workers), keep-alive';

const BAR = 0.8;
const WORKERS = 2;
const FILE = 'css/site.0123456789ab.css';
const CSS = Array.from({ length: 80 }, (_, i) => `.c${i} { color: #${(i * 2654435761 % 0xffffff).toString(16).padStart(6, '0')}; }\n`).join('');
const BR = brotliCompressSync(CSS, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });

/**
 * @typedef {object} Spec
 * @property {string} id
 * @property {string} label
 * @property {string} script
 * @property {string} path
 * @property {Record<string, string>} headers
 * @property {(body: string) => boolean} verify
 * @property {boolean} staticServer
 */

/** @type {Spec[]} */
const SPECS = [
  { id: 'hello', label: 'tsgate serve (TSGI hello)', script: join(BENCH_DIR, 'servers', 'tsgi-hello.js'), path: '/', headers: {}, verify: (body) => body === BODY_TEXT, staticServer: false },
  { id: 'static', label: `static ${FILE} (identity, ${CSS.length} B)`, script: join(BENCH_DIR, 'static-serve-server.js'), path: `/static/${FILE}`, headers: {}, verify: (body) => body === CSS, staticServer: true },
  {
    id: 'static-br',
    label: `static ${FILE} (br, ${BR.length} B)`,
    script: join(BENCH_DIR, 'static-serve-server.js'),
    path: `/static/${FILE}`,
    headers: { 'accept-encoding': 'gzip, deflate, br' },
    verify: (body) => body.length > 0,
    staticServer: true,
  },
];

/**
 * A production project around STATIC_ROOT: its settings (the generated
 * project's middleware, DEBUG off) and a hello-world URL table.
 * @param {string} project
 * @param {string} root
 */
function writeProject(project, root) {
  const middleware = pathToFileURL(join(TSGATE_DIST, 'middleware', 'index.js')).href;
  const http = pathToFileURL(join(TSGATE_DIST, 'http', 'index.js')).href;
  writeManageProject(
    project,
    `import { csrfMiddleware, hostValidationMiddleware, securityMiddleware, sessionMiddleware } from ${JSON.stringify(middleware)};
export const DEBUG = false;
export const SECRET_KEY = 'bench-static-serve-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz';
export const ALLOWED_HOSTS = ['127.0.0.1', 'localhost'];
export const BASE_DIR = ${JSON.stringify(project)};
export const STATIC_ROOT = ${JSON.stringify(root)};
export const ROOT_URLCONF = 'urls';
export const WSGI_APPLICATION = 'bench.static-serve-server:application';
export const MIDDLEWARE = [hostValidationMiddleware, securityMiddleware, sessionMiddleware, csrfMiddleware];
`,
  );
  writeFileSync(join(project, 'urls.mjs'), `import { path, text } from ${JSON.stringify(http)};\nexport const urlpatterns = [path('', () => text(${JSON.stringify(BODY_TEXT)}))];\n`);
}

/**
 * @param {import('./lib/harness.js').BenchOptions} options
 */
export async function run(options) {
  const rounds = Math.max(1, options.rounds ?? 2);
  const loadAverage = loadAverageAtStart();
  const project = mkdtempSync(join(tmpdir(), 'tsgate-bench-static-project-'));
  const root = join(project, 'staticfiles');
  try {
    writeProject(project, root);
    mkdirSync(join(root, 'css'), { recursive: true });
    writeFileSync(join(root, FILE), CSS);
    writeFileSync(join(root, `${FILE}.gz`), gzipSync(CSS, { level: 9 }));
    writeFileSync(join(root, `${FILE}.br`), BR);
    writeFileSync(join(root, 'staticfiles.json'), JSON.stringify({ version: '1.1', paths: { 'css/site.css': FILE } }));

    const order = alternating(SPECS, rounds);
    const withWrk = wrkAvailable();
    /** @type {Record<string, (import('./lib/harness.js').LoadResult & { round: number, order: number, serverCpuUsPerRequest: number | null, wrk: (import('./lib/wrk.js').WrkResult & { serverCpuUsPerRequest: number | null }) | null })[]>} */
    const runs = Object.fromEntries(SPECS.map((s) => [s.id, []]));
    for (const [i, spec] of order.entries()) {
      const index = i + 1;
      process.stderr.write(`  [${index}/${order.length}] ${spec.id}: starting… `);
      const record = await withServer(
        {
          script: spec.script,
          workers: WORKERS,
          args: (port) => ['--port', String(port), '--workers', String(WORKERS), ...(spec.staticServer ? ['--project', project] : [])],
          execArgv: cpuProfArgs(options.cpuProf, `${spec.id}-${index}`),
        },
        spec.id,
        async (server) => {
          const url = new URL(spec.path, server.url).href;
          const params = { connections: options.connections, pipelining: options.pipelining, headers: spec.headers, verifyBody: spec.verify };
          if (options.warmup > 0) {
            process.stderr.write(`warm-up ${options.warmup} s… `);
            await load(url, { ...params, duration: options.warmup });
          }
          process.stderr.write(`load ${options.duration} s… `);
          const { result, serverCpuUsPerRequest } = await loadWithCpu({ ...server, url }, { ...params, duration: options.duration });
          process.stderr.write(`${loadNote(result, serverCpuUsPerRequest)}${result.non2xx + result.errors + result.mismatches > 0 ? `, ${result.non2xx} non-2xx, ${result.errors} errors, ${result.mismatches} bad bodies` : ''}`);
          const wrk = withWrk ? wrkLoadWithCpu(server.child.pid ?? -1, url, { duration: options.duration, connections: options.connections, headers: spec.headers }, treeCpuSeconds) : null;
          process.stderr.write(wrk ? `; wrk ${Math.round(wrk.requestsPerSec)} req/s, p99 ${wrk.latencyP99Ms} ms, server CPU ${wrk.serverCpuUsPerRequest} µs/req\n` : '\n');
          return { ...result, round: Math.floor(i / SPECS.length) + 1, order: index, serverCpuUsPerRequest, wrk };
        },
      );
      runs[spec.id]?.push(record);
    }

    const servers = Object.fromEntries(
      SPECS.map((spec) => {
        const list = runs[spec.id] ?? [];
        return [
          spec.id,
          {
            label: spec.label,
            ...loadMeans(list),
            non2xx: list.reduce((n, r) => n + r.non2xx, 0),
            errors: list.reduce((n, r) => n + r.errors + r.timeouts, 0),
            mismatches: list.reduce((n, r) => n + r.mismatches, 0),
            totalRequests: list.reduce((n, r) => n + r.totalRequests, 0),
            runs: list,
          },
        ];
      }),
    );
    const hello = servers.hello;
    const identity = servers.static;
    const br = servers['static-br'];
    if (!hello || !identity || !br) throw new Error('a server was not measured');
    const clean = (/** @type {{ non2xx: number, errors: number, mismatches: number }} */ s) => s.non2xx === 0 && s.errors === 0 && s.mismatches === 0;
    const identityRatio = ratios(identity, hello);
    const brRatio = ratios(br, hello);
    /** Per round, subject ÷ hello by req/s with one tool (each round measures every server once). @param {typeof identity} subject @param {'autocannon' | 'wrk'} tool */
    const perRound = (subject, tool) =>
      subject.runs.map((run, i) => {
        const base = hello.runs[i];
        const a = tool === 'wrk' ? run.wrk?.requestsPerSec : run.requestsPerSec;
        const b = tool === 'wrk' ? base?.wrk?.requestsPerSec : base?.requestsPerSec;
        return a === undefined || b === undefined || b === 0 ? null : Math.round((a / b) * 1000) / 1000;
      });
    return {
      ...resultHead(name, description, loadAverage),
      params: { ...loadParams(options, WORKERS, rounds), file: FILE, bytes: CSS.length, brBytes: BR.length },
      order: order.map((s) => s.id),
      servers,
      ratio: identityRatio.ratio,
      cpuRatio: identityRatio.cpuRatio,
      brRatio: brRatio.ratio,
      perRound: {
        autocannon: { identity: perRound(identity, 'autocannon'), br: perRound(br, 'autocannon') },
        wrk: withWrk ? { identity: perRound(identity, 'wrk'), br: perRound(br, 'wrk') } : null,
      },
      clean: clean(identity) && clean(br),
      bar: BAR,
      pass: identityRatio.ratio >= BAR && clean(identity),
    };
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}

const HEAD = ['server', ...LOAD_HEAD, 'non-2xx', 'errors', 'bad bodies', 'per run req/s (p99 ms)'];

/** @param {Awaited<ReturnType<typeof run>>} result */
function rows(result) {
  return Object.values(result.servers).map((s) => [s.label, ...loadCells(s), s.non2xx, s.errors, s.mismatches, perRun(s.runs)]);
}

/** @param {Awaited<ReturnType<typeof run>>} result */
function verdicts(result) {
  return [
    `static (identity) ÷ hello: ${result.ratio}${result.cpuRatio === null ? '' : `, CPU-efficiency ratio ${result.cpuRatio}`} (bar ≥ ${result.bar}): ${result.pass ? 'PASS' : 'FAIL'}`,
    `static (br) ÷ hello: ${result.brRatio} (reported)`,
    `per round, autocannon: identity ${result.perRound.autocannon.identity.join(' / ')}, br ${result.perRound.autocannon.br.join(' / ')}`,
    result.perRound.wrk
      ? `per round, wrk: identity ${result.perRound.wrk.identity.join(' / ')}, br ${result.perRound.wrk.br.join(' / ')}; server CPU µs/req by wrk: ${Object.entries(result.servers)
          .map(([id, s]) => `${id} ${s.runs.map((r) => r.wrk?.serverCpuUsPerRequest ?? 'n/a').join(' / ')}`)
          .join('; ')}`
      : 'wrk not installed: autocannon only',
    ...(result.clean ? [] : ['some static responses were not 2xx, failed, or had the wrong body']),
  ];
}

/** @param {Awaited<ReturnType<typeof run>>} result */
export function summary(result) {
  return `${textTable(HEAD, rows(result))}\n\n${verdicts(result).join('\n')}`;
}

/** @param {Awaited<ReturnType<typeof run>>} result */
export function markdown(result) {
  const p = result.params;
  return `# static-serve

${result.description}.

**ratio ${result.ratio} (bar ≥ ${result.bar}): ${result.pass ? 'PASS' : 'FAIL'}** — static file req/s ÷ hello-world req/s (docs/architecture.md); every body checked.

${reportHeader(result)}
- file: \`/static/${p.file}\`, ${p.bytes} bytes (br copy ${p.brBytes} bytes), served by the project's application as getWsgiApplication() builds it in production (its static layer: STATIC_ROOT, cached lookups)
- load: ${p.tool}, ${p.connections} connections, pipelining ${p.pipelining}, ${p.duration} s per run after ${p.warmup} s warm-up; ${p.rounds} runs per server, order ${result.order.join(' → ')}; figures are means over the runs

${markdownTable(HEAD, rows(result))}

${verdicts(result)
  .map((line) => `- ${line}`)
  .join('\n')}
`;
}
