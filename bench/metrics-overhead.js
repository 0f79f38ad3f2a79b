// @ts-check
/**
 * What Prometheus metrics cost (issue 18): the same server with
 * `METRICS_BIND` set (every request counted and timed by route, the
 * process collectors on, each worker sending its registry to the primary
 * every 2 s) and without, in one run, the order alternating per round
 * (A B, B A, …) so that drift in machine load hits both alike.
 *
 * Two pairs, 2 workers each, keep-alive:
 * - the hello-world TSGI app (bench/servers/tsgi-hello.js): the server's
 *   own cost, where metrics weigh the most. Bar: on ÷ off ≥ 0.95 (≤ 5 %).
 * - the generated project's welcome page for a returning visitor (as in
 *   welcome-page.js). Bar: on ÷ off ≥ 0.97 (≤ 3 %).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { alternating, BENCH_DIR, load, loadWithCpu, withServer } from './lib/harness.js';
import { generatedProjectWithProgress, projectServer } from './lib/project.js';
import { round, LOAD_HEAD, loadAverageAtStart, loadCells, loadMeans, loadNote, loadParams, machineLine, markdownTable, perRun, ratios, resultHead, textTable } from './lib/report.js';
import { BODY_TEXT } from './servers/body.js';
import { runtimeModule } from './servers/serve-app.js';
import { H1, prepareWelcome } from './welcome-page.js';

export const name = 'metrics-overhead';
export const description = 'tsgate serve with METRICS_BIND vs without, same run: hello-world TSGI app and the welcome page, 2 workers, keep-alive';

const WORKERS = 2;
/** Port 0: the metrics listener is bound but nobody scrapes it; the recording and the 2-second pushes are what is measured. */
const METRICS_ENV = { METRICS_BIND: '127.0.0.1:0' };

/**
 * @typedef {object} PairSpec
 * @property {'hello' | 'welcome'} id
 * @property {string} label
 * @property {number} bar  on ÷ off must reach this
 * @property {(env: Record<string, string>) => Parameters<typeof withServer>[0]} start
 * @property {(url: string) => Promise<Record<string, string>>} prepare  request headers for the load
 * @property {(body: string) => boolean} verifyBody
 *
 * @typedef {import('./lib/harness.js').LoadResult & { serverCpuUsPerRequest: number | null }} RunRecord
 */

/**
 * @param {import('./lib/project.js').GeneratedProject} project
 * @returns {PairSpec[]}
 */
function pairs(project) {
  const secretKey = randomBytes(48).toString('base64url');
  const productionEnv = { NODE_ENV: 'production', DEBUG: 'false', SECRET_KEY: secretKey, ALLOWED_HOSTS: '127.0.0.1', SECURE_SSL_REDIRECT: 'false' };
  return [
    {
      id: 'hello',
      label: 'hello-world TSGI app',
      bar: 0.95,
      start: (env) => ({ script: join(BENCH_DIR, 'servers', 'tsgi-hello.js'), workers: WORKERS, env }),
      prepare: async () => ({}),
      verifyBody: (body) => body === BODY_TEXT,
    },
    {
      id: 'welcome',
      label: 'welcome page (returning visitor)',
      bar: 0.97,
      start: (env) => ({ ...projectServer(project, WORKERS, { ...productionEnv, ...env }).start }),
      prepare: async (url) => (await prepareWelcome(url)).headers,
      verifyBody: (body) => body.includes(H1),
    },
  ];
}

/**
 * @param {PairSpec} pair
 * @param {boolean} metrics
 * @param {import('./lib/harness.js').BenchOptions} options
 * @param {string} tag
 * @returns {Promise<RunRecord>}
 */
async function measure(pair, metrics, options, tag) {
  process.stderr.write(`  ${tag} ${pair.id} metrics ${metrics ? 'on ' : 'off'}: `);
  return withServer(pair.start(metrics ? METRICS_ENV : {}), `${pair.id} metrics ${metrics ? 'on' : 'off'}`, async (server) => {
    const headers = await pair.prepare(server.url);
    const params = { connections: options.connections, pipelining: options.pipelining, headers, verifyBody: pair.verifyBody };
    if (options.warmup > 0) await load(server.url, { ...params, duration: options.warmup });
    const { result, serverCpuUsPerRequest } = await loadWithCpu(server, { ...params, duration: options.duration });
    process.stderr.write(`${loadNote(result, serverCpuUsPerRequest)}${result.non2xx + result.errors > 0 ? `, ${result.non2xx} non-2xx, ${result.errors} errors` : ''}\n`);
    return { ...result, serverCpuUsPerRequest };
  });
}

/**
 * The instrumentation's own CPU per request, in this process: what the
 * server's handler adds per request with metrics on (RequestMetrics.begin
 * and end: in-flight gauge, counter by method/route/status, histogram and
 * bytes by route), 2 M calls over four routes, best of three. Steadier than
 * req/s on a shared machine; compared below with the server's CPU per
 * request of the hello app with metrics off.
 */
async function instrumentationCpuUs() {
  const { Registry, RequestMetrics } = await runtimeModule('metrics');
  const requests = new RequestMetrics(new Registry());
  const routes = ['home', 'item', 'order', '(unmatched)'];
  const calls = 2_000_000;
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    const before = process.cpuUsage();
    for (let i = 0; i < calls; i++) requests.end(requests.begin(), 'GET', routes[i & 3], 200, 0, 12);
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / calls);
  }
  return Math.round(best * 1000) / 1000;
}

/** @param {import('./lib/harness.js').BenchOptions} options */
export async function run(options) {
  const perRequestUs = await instrumentationCpuUs();
  process.stderr.write(`  instrumentation: ${perRequestUs} µs CPU per request (in-process)\n`);
  const rounds = Math.max(1, options.rounds ?? 2);
  const loadAverage = loadAverageAtStart();
  const project = await generatedProjectWithProgress();
  /** @type {Record<string, any>} */
  const results = {};
  for (const pair of pairs(project)) {
    /** @type {{ on: RunRecord[], off: RunRecord[] }} */
    const runs = { on: [], off: [] };
    const order = alternating([false, true], rounds);
    for (const [i, metrics] of order.entries()) runs[metrics ? 'on' : 'off'].push(await measure(pair, metrics, options, `[${i + 1}/${order.length}]`));
    const on = { label: `${pair.label}, metrics on`, ...loadMeans(runs.on), runs: runs.on };
    const off = { label: `${pair.label}, metrics off`, ...loadMeans(runs.off), runs: runs.off };
    const { ratio, cpuRatio } = ratios(on, off);
    const clean = [...runs.on, ...runs.off].every((r) => r.non2xx === 0 && r.errors === 0 && r.timeouts === 0);
    results[pair.id] = { label: pair.label, on, off, ratio, cpuRatio, bar: pair.bar, clean, pass: clean && ratio >= pair.bar };
  }
  return {
    ...resultHead(name, description, loadAverage),
    params: loadParams(options, WORKERS, rounds),
    instrumentationCpuUsPerRequest: perRequestUs,
    /** That cost as a share of the hello app's server CPU per request with metrics off. */
    instrumentationShareOfHello: results.hello?.off.serverCpuUsPerRequest ? Math.round((perRequestUs / results.hello.off.serverCpuUsPerRequest) * 1000) / 1000 : null,
    pairs: results,
    pass: Object.values(results).every((r) => r.pass),
  };
}

const HEAD = ['pair', 'metrics', ...LOAD_HEAD, 'per run req/s (p99 ms)'];

/** @param {any} result */
function rows(result) {
  return Object.entries(result.pairs).flatMap(([id, pair]) => [
    [id, 'off', ...loadCells(pair.off), perRun(pair.off.runs)],
    [id, 'on', ...loadCells(pair.on), perRun(pair.on.runs)],
  ]);
}

/** @param {any} result */
function verdicts(result) {
  return Object.entries(result.pairs).map(
    ([id, p]) => `${id}: on ÷ off ${p.ratio}${p.cpuRatio === null ? '' : `, CPU-efficiency ratio ${p.cpuRatio}`} (bar ≥ ${p.bar}): ${p.pass ? 'PASS' : 'FAIL'}${p.clean ? '' : ' (errors or non-2xx)'}`,
  );
}

/** @param {any} result */
function instrumentationLine(result) {
  const share = result.instrumentationShareOfHello === null ? '' : ` = ${round(result.instrumentationShareOfHello * 100, 1)} % of the hello app's server CPU per request with metrics off`;
  return `instrumentation alone: ${result.instrumentationCpuUsPerRequest} µs CPU per request (in-process, best of 3 × 2 M)${share}`;
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

- date: ${result.date}
- ${machineLine(result)}, load average ${result.loadAverage.join(' / ')} at start, ${result.loadAverageEnd.join(' / ')} at end
- load: ${p.tool}, ${p.connections} connections, pipelining ${p.pipelining}, ${p.duration} s per run after ${p.warmup} s warm-up; ${p.rounds} runs per server, order alternating

${markdownTable(HEAD, rows(result))}

${verdicts(result)
  .map((line) => `- ${line}`)
  .join('\n')}
- ${instrumentationLine(result)}

"on" is the same server with \`METRICS_BIND=127.0.0.1:0\`: each request counted by method, route and status, timed into a histogram by route, its bytes counted; the process collectors (memory, CPU, event-loop delay, GC) on; each worker sending its registry to the primary every 2 s. Nobody scrapes during the load (a scrape costs one snapshot per worker, as a push does). The CPU-efficiency ratio is off CPU/request ÷ on CPU/request, steadier than req/s on a shared machine.
`;
}
