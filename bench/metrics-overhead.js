// @ts-check
/**
 * What Prometheus metrics cost (issue 18): the same server with
 * `METRICS_BIND` set (every request counted and timed by route, the
 * process collectors on, each worker sending its counts to the primary
 * every 2 s) and without, in one run, interleaved A B A B … so that drift
 * in machine load hits both alike.
 *
 * Each run gives two figures over the same `--duration` seconds of wrk (C,
 * one thread, keep-alive): req/s, and the server's CPU time (primary and
 * workers, from /proc/<pid>/stat) per request. On a machine other work
 * loads, req/s swings from run to run while CPU per request barely does.
 * The CPU is read over the whole wrk run, tens of thousands of requests:
 * over the 1000 requests this bench used to time (0.13 s of the welcome
 * page at 2 workers), a clock tick (10 ms per process: 10 µs per request)
 * or one major collection more or less (~20 ms of a worker, one every ~2500
 * requests) each moved the figure by 4–7 %.
 * Then autocannon sends a fixed number of requests and checks every body.
 * Each A B pair gives a ratio; the verdict is on the median of the pairs'
 * ratios.
 *
 * Pairs, 2 workers each:
 * - the hello-world TSGI app (bench/servers/tsgi-hello.js): the server's
 *   own cost, where metrics weigh the most. Bar: on ÷ off ≥ 0.95 (≤ 5 %).
 * - the generated project's welcome page for a returning visitor (as in
 *   welcome-page.js). Bar: on ÷ off ≥ 0.97 (≤ 3 %).
 * - the welcome page with the log context following every await
 *   (`TSGATE_LOG_CONTEXT=async`: AsyncLocalStorage) against the default
 *   (logging/context.ts): on node 20 what AsyncLocalStorage would cost every
 *   request; reported, no bar.
 *
 * And in this process, best of three × 2 M calls: the CPU of the metrics'
 * per-request hooks, and of the request log context (what every request
 * pays for its ids with no tracing exporter configured).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { BENCH_DIR, load, treeCpuSeconds, withServer } from './lib/harness.js';
import { generatedProjectWithProgress, projectServer } from './lib/project.js';
import { loadAverageAtStart, markdownTable, reportHeader, resultHead, round, textTable } from './lib/report.js';
import { wrkAvailable, wrkLoad, wrkLoadWithCpu } from './lib/wrk.js';
import { BODY_TEXT } from './servers/body.js';
import { runtimeModule } from './servers/serve-app.js';
import { H1, prepareWelcome } from './welcome-page.js';

export const name = 'metrics-overhead';
export const description = 'tsgate serve with METRICS_BIND vs without, interleaved in one run (wrk req/s and server CPU per request): hello-world TSGI app and the welcome page, 2 workers, keep-alive; and the log context\'s cost';

const WORKERS = 2;
/** The welcome page's p99 passes wrk's default 2 s on a loaded machine: a slow answer is not an error here. */
const WRK_TIMEOUT_S = 10;
/** Port 0: the metrics listener is bound but nobody scrapes it; the recording and the 2-second pushes are what is measured. */
const METRICS_ENV = { METRICS_BIND: '127.0.0.1:0' };

/**
 * @typedef {object} PairSpec
 * @property {string} id
 * @property {string} label
 * @property {number | null} bar  on ÷ off must reach this (null: reported only)
 * @property {[string, string]} names  what A (off) and B (on) are called
 * @property {Record<string, string>} onEnv  B's environment over A's
 * @property {number} amount  requests whose bodies autocannon checks after the measured run
 * @property {(env: Record<string, string>) => Parameters<typeof withServer>[0]} start
 * @property {(url: string) => Promise<Record<string, string>>} prepare  request headers for the load
 * @property {(body: string) => boolean} verifyBody
 *
 * @typedef {{ requestsPerSec: number, latencyP99Ms: number, serverCpuUsPerRequest: number | null, non2xx: number, errors: number }} RunRecord
 */

/** The hello-world pair: needs no generated project, so it runs first. @returns {PairSpec} */
function helloPair() {
  return {
    id: 'hello',
    label: 'hello-world TSGI app',
    bar: 0.95,
    names: ['metrics off', 'metrics on'],
    onEnv: METRICS_ENV,
    amount: 20_000,
    start: (env) => ({ script: join(BENCH_DIR, 'servers', 'tsgi-hello.js'), workers: WORKERS, env }),
    prepare: async () => ({}),
    verifyBody: (body) => body === BODY_TEXT,
  };
}

/**
 * @param {import('./lib/project.js').GeneratedProject} project
 * @returns {PairSpec[]}
 */
function welcomePairs(project) {
  const secretKey = randomBytes(48).toString('base64url');
  const productionEnv = { NODE_ENV: 'production', DEBUG: 'false', SECRET_KEY: secretKey, ALLOWED_HOSTS: '127.0.0.1', SECURE_SSL_REDIRECT: 'false' };
  /** @param {Record<string, string>} env */
  const welcome = (env) => ({ ...projectServer(project, WORKERS, { ...productionEnv, ...env }).start });
  const prepare = async (/** @type {string} */ url) => (await prepareWelcome(url)).headers;
  const isWelcome = (/** @type {string} */ body) => body.includes(H1);
  return [
    { id: 'welcome', label: 'welcome page (returning visitor)', bar: 0.97, names: ['metrics off', 'metrics on'], onEnv: METRICS_ENV, amount: 1_000, start: welcome, prepare, verifyBody: isWelcome },
    {
      id: 'welcome-log-context',
      label: 'welcome page, log context',
      bar: null,
      names: ['default', 'AsyncLocalStorage'],
      onEnv: { TSGATE_LOG_CONTEXT: 'async' },
      amount: 1_000,
      start: welcome,
      prepare,
      verifyBody: isWelcome,
    },
  ];
}

/**
 * One run: wrk's req/s and the server's CPU per request over `duration`, then `amount` requests whose bodies are checked.
 *
 * @param {PairSpec} pair
 * @param {boolean} on
 * @param {import('./lib/harness.js').BenchOptions} options
 * @param {string} tag
 * @returns {Promise<RunRecord>}
 */
async function measure(pair, on, options, tag) {
  const label = pair.names[on ? 1 : 0];
  process.stderr.write(`  ${tag} ${pair.id} ${label}: `);
  return withServer(pair.start(on ? pair.onEnv : {}), `${pair.id} ${label}`, async (server) => {
    const headers = await pair.prepare(server.url);
    if (options.warmup > 0) wrkLoad(server.url, { duration: options.warmup, connections: options.connections, headers, timeout: WRK_TIMEOUT_S });
    const byWrk = wrkLoadWithCpu(server.child.pid ?? -1, server.url, { duration: options.duration, connections: options.connections, headers, timeout: WRK_TIMEOUT_S }, treeCpuSeconds);
    const serverCpuUsPerRequest = byWrk.serverCpuUsPerRequest;
    const fixed = await load(server.url, { amount: pair.amount, connections: options.connections, headers, verifyBody: pair.verifyBody });
    const record = {
      requestsPerSec: round(byWrk.requestsPerSec, 0),
      latencyP99Ms: byWrk.latencyP99Ms,
      serverCpuUsPerRequest,
      non2xx: byWrk.non2xx + fixed.non2xx + fixed.mismatches,
      errors: byWrk.errors + fixed.errors + fixed.timeouts,
    };
    process.stderr.write(`${record.requestsPerSec} req/s (p99 ${record.latencyP99Ms} ms), ${serverCpuUsPerRequest} µs CPU/request${record.non2xx + record.errors > 0 ? `, ${record.non2xx} non-2xx, ${record.errors} errors` : ''}\n`);
    return record;
  });
}

/** @param {number[]} values */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/**
 * CPU µs per call of `fn`, best of three × `calls`, in this process.
 * @param {(i: number) => void} fn
 * @param {number} calls
 */
function cpuPerCall(fn, calls) {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 3; r++) {
    const before = process.cpuUsage();
    for (let i = 0; i < calls; i++) fn(i);
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / calls);
  }
  return Math.round(best * 1000) / 1000;
}

/**
 * The instrumentation's own CPU per request, in this process: what the
 * server's handler adds per request with metrics on (RequestMetrics.begin
 * and end: in-flight gauge, counter by method/route/status, histogram and
 * bytes by route), over four routes; and what every request of an
 * application pays for its log ids with no exporter: the log context set
 * around the call (the ids themselves are made only when a line is logged).
 */
async function instrumentationCpuUs() {
  const { Registry, RequestMetrics } = await runtimeModule('metrics');
  const { withRequestLog } = await runtimeModule('tracing');
  const requests = new RequestMetrics(new Registry());
  const routes = ['home', 'item', 'order', '(unmatched)'];
  const metrics = cpuPerCall((i) => requests.end(requests.begin(), 'GET', routes[i & 3], 200, 0, 12), 2_000_000);
  const environ = { REQUEST_METHOD: 'GET' };
  const handle = () => 1;
  const logContext = cpuPerCall(() => withRequestLog(environ, handle), 2_000_000);
  return { metrics, logContext };
}

/** @param {import('./lib/harness.js').BenchOptions} options */
export async function run(options) {
  if (!wrkAvailable()) throw new Error('metrics-overhead needs wrk (apt-get install wrk)');
  const instrumentation = await instrumentationCpuUs();
  process.stderr.write(`  instrumentation: metrics ${instrumentation.metrics} µs, log context ${instrumentation.logContext} µs CPU per request (in-process)\n`);
  const rounds = Math.max(1, options.rounds ?? 3);
  const loadAverage = loadAverageAtStart();
  /** @type {Record<string, any>} */
  const results = {};
  /** @type {(PairSpec | (() => Promise<PairSpec[]>))[]} */
  const queue = [helloPair(), async () => welcomePairs(await generatedProjectWithProgress())];
  for (const next of queue) for (const pair of typeof next === 'function' ? await next() : [next]) {
    /** @type {{ off: RunRecord, on: RunRecord }[]} */
    const rounds_ = [];
    for (let r = 0; r < rounds; r++) {
      // A B, then B A: whichever runs second in a pair (a warmer machine, a grown SQLite WAL) is not always B.
      const label = (/** @type {string} */ side) => `[${r + 1}/${rounds} ${side}]`;
      if (r % 2 === 0) {
        const off = await measure(pair, false, options, label('A'));
        rounds_.push({ off, on: await measure(pair, true, options, label('B')) });
      } else {
        const on = await measure(pair, true, options, label('B'));
        rounds_.push({ off: await measure(pair, false, options, label('A')), on });
      }
    }
    const rpsRatio = round(median(rounds_.map(({ off, on }) => on.requestsPerSec / off.requestsPerSec)), 3);
    const cpuRatios = rounds_.filter(({ off, on }) => off.serverCpuUsPerRequest && on.serverCpuUsPerRequest).map(({ off, on }) => /** @type {number} */ (off.serverCpuUsPerRequest) / /** @type {number} */ (on.serverCpuUsPerRequest));
    const cpuRatio = cpuRatios.length > 0 ? round(median(cpuRatios), 3) : null;
    const clean = rounds_.every(({ off, on }) => off.non2xx + off.errors + on.non2xx + on.errors === 0);
    const pass = pair.bar === null ? null : clean && rpsRatio >= pair.bar && (cpuRatio === null || cpuRatio >= pair.bar);
    results[pair.id] = { label: pair.label, names: pair.names, rounds: rounds_, rpsRatio, cpuRatio, bar: pair.bar, clean, pass };
  }
  return {
    ...resultHead(name, description, loadAverage),
    params: { tool: 'wrk (req/s and server CPU per request) + autocannon (a fixed request count, every body checked)', duration: options.duration, warmup: options.warmup, connections: options.connections, workers: WORKERS, rounds },
    instrumentationCpuUsPerRequest: instrumentation,
    pairs: results,
    pass: Object.values(results).every((r) => r.pass !== false),
  };
}

const HEAD = ['pair', 'round', 'A', 'A req/s', 'A CPU µs/req', 'B', 'B req/s', 'B CPU µs/req', 'B÷A req/s', 'A÷B CPU'];

/** @param {any} result */
function rows(result) {
  return Object.entries(result.pairs).flatMap(([id, pair]) =>
    pair.rounds.map((/** @type {{ off: RunRecord, on: RunRecord }} */ { off, on }, /** @type {number} */ i) => [
      id,
      i + 1,
      pair.names[0],
      off.requestsPerSec,
      off.serverCpuUsPerRequest ?? '-',
      pair.names[1],
      on.requestsPerSec,
      on.serverCpuUsPerRequest ?? '-',
      round(on.requestsPerSec / off.requestsPerSec, 3),
      off.serverCpuUsPerRequest && on.serverCpuUsPerRequest ? round(off.serverCpuUsPerRequest / on.serverCpuUsPerRequest, 3) : '-',
    ]),
  );
}

/** @param {any} result */
function verdicts(result) {
  return Object.entries(result.pairs).map(
    ([id, p]) =>
      `${id} (${p.names[1]} ÷ ${p.names[0]}): median req/s ratio ${p.rpsRatio}, median CPU-efficiency ratio ${p.cpuRatio}${p.bar === null ? ' (reported, no bar)' : ` (bar ≥ ${p.bar}): ${p.pass ? 'PASS' : 'FAIL'}`}${p.clean ? '' : ' (errors or non-2xx)'}`,
  );
}

/** @param {any} result */
function instrumentationLine(result) {
  const i = result.instrumentationCpuUsPerRequest;
  return `in-process, best of 3 × 2 M: metrics hooks ${i.metrics} µs CPU per request; log context (no exporter) ${i.logContext} µs per request`;
}

/** @param {any} result */
export function summary(result) {
  return `${textTable(HEAD, rows(result))}\n\n${verdicts(result).join('\n')}\n${instrumentationLine(result)}`;
}

/** @param {any} result */
export function markdown(result) {
  const p = result.params;
  return `# metrics-overhead

${result.description}.

${reportHeader(result)}
- load: ${p.tool}, ${p.connections} connections; per run ${p.warmup} s wrk warm-up, ${p.duration} s wrk (req/s, and the server's CPU over the same run), then a fixed request count through autocannon that checks every body; ${p.rounds} rounds A B, B A, A B, …

${markdownTable(HEAD, rows(result))}

${verdicts(result)
  .map((line) => `- ${line}`)
  .join('\n')}
- ${instrumentationLine(result)}

"metrics on" is the same server with \`METRICS_BIND=127.0.0.1:0\`: each request counted by method, route and status, timed into a histogram by route, its bytes counted; the process collectors on (event-loop delay from a 100 ms timer, GC from node's \`gc\` performance entries; memory read only on a scrape); each worker sending its counts to the primary every 2 s. Nobody scrapes during the load. The CPU-efficiency ratio is A's CPU per request ÷ B's (the server's processes, from /proc, over the wrk run), steadier than req/s on a shared machine; each verdict is on the median over the rounds of the A B pairs' ratios. "AsyncLocalStorage" is the welcome page with \`TSGATE_LOG_CONTEXT=async\`, against the default log context of this node version (logging/context.ts).
`;
}
