// @ts-check
/**
 * The bar (docs/architecture.md, Quality bars): `serve` with a hello-world
 * TSGI app and 2 workers must reach ≥ 0.9× the requests/s of a bare node:http cluster with 2 workers, on the
 * same machine, with the same load tool, in one run.
 *
 * Two variants, each with both servers:
 * - keep-alive: the bar; every connection carries many requests.
 * - keep-alive off: every request says `Connection: close` and goes over a
 *   new connection, so accept, handshake and close are in each request's
 *   cost. Reported (req/s, p99, ratio), no bar.
 *
 * p99 latency is reported for every server and variant; the default load is
 * 64 connections (the issue's number, set in run.js).
 *
 * Within a variant each server is measured `rounds` times, the order
 * alternating per round (A B, B A, …) so that drift in machine load hits
 * both sides alike; the ratio is taken between the means.
 */
import { join } from 'node:path';
import { alternating, BENCH_DIR, cpuProfArgs, load, loadWithCpu, treeCpuSeconds, withServer } from './lib/harness.js';
import { wrkAvailable, wrkLoadWithCpu } from './lib/wrk.js';
import { LOAD_HEAD, loadAverageAtStart, loadCells, loadMeans, loadNote, loadParams, markdownTable, reportHeader, perRun, ratios, resultHead, textTable } from './lib/report.js';

export const name = 'serve-hello';
export const description =
  'tsgate serve, hello-world TSGI app, 2 workers vs a bare node:http cluster with 2 workers; keep-alive and keep-alive off';

const BAR = 0.9;
const WORKERS = 2;

/**
 * @typedef {object} ServerSpec
 * @property {string} id
 * @property {string} label
 * @property {string} script
 */

/** @type {[ServerSpec, ServerSpec]} */
const SERVERS = [
  { id: 'tsgate', label: 'tsgate serve (TSGI hello)', script: join(BENCH_DIR, 'servers', 'tsgi-hello.js') },
  { id: 'node-cluster', label: 'node:http cluster', script: join(BENCH_DIR, 'servers', 'node-cluster.js') },
];

/**
 * @typedef {object} VariantSpec
 * @property {'keep-alive' | 'keep-alive-off'} id
 * @property {string} label
 * @property {boolean} keepAlive
 * @property {boolean} bar  whether the 0.9 bar applies
 */

/** @type {VariantSpec[]} */
const VARIANTS = [
  { id: 'keep-alive', label: 'keep-alive', keepAlive: true, bar: true },
  { id: 'keep-alive-off', label: 'keep-alive off (Connection: close, a new connection per request)', keepAlive: false, bar: false },
];

/**
 * @typedef {import('./lib/harness.js').LoadResult & { round: number, order: number, serverCpuUsPerRequest: number | null, wrk: (import('./lib/wrk.js').WrkResult & { serverCpuUsPerRequest: number | null }) | null }} RunRecord
 *
 * @typedef {object} ServerSummary
 * @property {string} label
 * @property {number} requestsPerSec  mean over runs of autocannon's mean req/s
 * @property {number} latencyP99Ms    mean over runs
 * @property {number} latencyP50Ms    mean over runs
 * @property {number} latencyMeanMs   mean over runs
 * @property {number | null} serverCpuUsPerRequest  CPU time of the server's processes per request, mean over runs (Linux only)
 * @property {number} non2xx          sum over runs
 * @property {number} errors          sum over runs
 * @property {number} timeouts        sum over runs
 * @property {number} totalRequests   sum over runs
 * @property {RunRecord[]} runs
 *
 * @typedef {object} VariantResult
 * @property {string} label
 * @property {boolean} keepAlive
 * @property {number} pipelining  requests in flight per connection (always 1 with keep-alive off)
 * @property {string[]} order     server ids in the order they were measured
 * @property {Record<string, ServerSummary>} servers
 * @property {number} ratio  tsgate req/s ÷ node-cluster req/s
 * @property {number | null} cpuRatio  node-cluster CPU/request ÷ tsgate CPU/request: the same comparison, less sensitive to a busy machine (informational)
 * @property {{ autocannon: (number | null)[], wrk: (number | null)[] | null }} perRound  tsgate ÷ node-cluster req/s in each round, by tool (wrk: when installed)
 * @property {boolean} clean  tsgate answered every request with 2xx, no errors, no timeouts
 * @property {number | null} bar  the bar on `ratio`, or null where it is reported only
 * @property {boolean | null} pass  ratio ≥ bar and clean; null where there is no bar
 *
 * @typedef {object} ServeHelloResult
 * @property {string} name
 * @property {string} description
 * @property {string} date
 * @property {string} node
 * @property {string} platform
 * @property {number} cpuCount
 * @property {string} cpuModel
 * @property {number[]} loadAverage  1/5/15-minute load averages when the run started
 * @property {number[]} loadAverageEnd  the same when it ended
 * @property {{ tool: string, duration: number, connections: number, pipelining: number, warmup: number, workers: number, rounds: number }} params
 * @property {Record<string, VariantResult>} variants  by variant id: 'keep-alive', 'keep-alive-off'
 * @property {number} ratio  the keep-alive ratio (the one with the bar)
 * @property {number | null} cpuRatio  the keep-alive CPU-efficiency ratio
 * @property {number} bar
 * @property {boolean} pass  keep-alive ratio ≥ bar, and tsgate answered every keep-alive request with 2xx and no errors
 */

/**
 * One measured run: start the server, warm up, load it, stop it.
 *
 * @param {ServerSpec} spec
 * @param {VariantSpec} variant
 * @param {import('./lib/harness.js').BenchOptions} options
 * @param {{ index: number, total: number, round: number, pipelining: number, withWrk: boolean }} at
 * @returns {Promise<RunRecord>}
 */
async function measure(spec, variant, options, at) {
  process.stderr.write(`  [${at.index}/${at.total}] ${variant.id} ${spec.id}: starting… `);
  const execArgv = cpuProfArgs(options.cpuProf, `${variant.id}-${spec.id}-${at.index}`);
  return withServer({ script: spec.script, workers: WORKERS, execArgv }, spec.id, async (server) => {
    const params = { connections: options.connections, pipelining: at.pipelining, keepAlive: variant.keepAlive };
    if (options.warmup > 0) {
      process.stderr.write(`warm-up ${options.warmup} s… `);
      await load(server.url, { ...params, duration: options.warmup });
    }
    process.stderr.write(`load ${options.duration} s… `);
    const { result, serverCpuUsPerRequest } = await loadWithCpu(server, { ...params, duration: options.duration });
    process.stderr.write(
      loadNote(result, serverCpuUsPerRequest) +
        (result.errors + result.timeouts + result.non2xx > 0 ? `, ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts` : ''),
    );
    // wrk after autocannon on the same server: C, one thread, a new connection per request with `Connection: close`.
    const wrk = at.withWrk
      ? wrkLoadWithCpu(server.child.pid ?? -1, server.url, { duration: options.duration, connections: options.connections, headers: variant.keepAlive ? {} : { Connection: 'close' } }, treeCpuSeconds)
      : null;
    process.stderr.write(wrk ? `; wrk ${Math.round(wrk.requestsPerSec)} req/s, p99 ${wrk.latencyP99Ms} ms, server CPU ${wrk.serverCpuUsPerRequest} µs/req\n` : '\n');
    return { ...result, round: at.round, order: at.index, serverCpuUsPerRequest, wrk };
  });
}

/**
 * @param {string} label
 * @param {RunRecord[]} list
 * @returns {ServerSummary}
 */
function summarise(label, list) {
  return {
    label,
    ...loadMeans(list),
    non2xx: list.reduce((n, r) => n + r.non2xx, 0),
    errors: list.reduce((n, r) => n + r.errors, 0),
    timeouts: list.reduce((n, r) => n + r.timeouts, 0),
    totalRequests: list.reduce((n, r) => n + r.totalRequests, 0),
    runs: list,
  };
}

/**
 * @param {import('./lib/harness.js').BenchOptions} options
 * @returns {Promise<ServeHelloResult>}
 */
export async function run(options) {
  const rounds = Math.max(1, options.rounds ?? 2);
  const order = alternating(SERVERS, rounds);
  const total = order.length * VARIANTS.length;

  const loadAverage = loadAverageAtStart();
  const withWrk = wrkAvailable();
  if (options.pipelining > 1) process.stderr.write('  note: keep-alive off runs without pipelining\n');

  /** @type {Record<string, VariantResult>} */
  const variants = {};
  let index = 0;
  for (const variant of VARIANTS) {
    const pipelining = variant.keepAlive ? options.pipelining : 1;
    /** @type {Record<string, RunRecord[]>} */
    const runs = Object.fromEntries(SERVERS.map((s) => [s.id, []]));
    for (const [i, spec] of order.entries()) {
      index += 1;
      const record = await measure(spec, variant, options, { index, total, round: Math.floor(i / SERVERS.length) + 1, pipelining, withWrk });
      runs[spec.id]?.push(record);
    }
    /** @type {Record<string, ServerSummary>} */
    const servers = {};
    for (const spec of SERVERS) servers[spec.id] = summarise(spec.label, runs[spec.id] ?? []);
    const tsgate = /** @type {ServerSummary} */ (servers.tsgate);
    const baseline = /** @type {ServerSummary} */ (servers['node-cluster']);
    const { ratio, cpuRatio } = ratios(tsgate, baseline);
    const clean = tsgate.non2xx === 0 && tsgate.errors === 0 && tsgate.timeouts === 0;
    /** @param {(run: RunRecord) => number | undefined} rps */
    const perRound = (rps) =>
      tsgate.runs.map((run, i) => {
        const a = rps(run);
        const b = baseline.runs[i] && rps(/** @type {RunRecord} */ (baseline.runs[i]));
        return a === undefined || b === undefined || b === 0 ? null : Math.round((a / b) * 1000) / 1000;
      });
    variants[variant.id] = {
      label: variant.label,
      keepAlive: variant.keepAlive,
      pipelining,
      order: order.map((s) => s.id),
      servers,
      ratio,
      cpuRatio,
      perRound: { autocannon: perRound((run) => run.requestsPerSec), wrk: withWrk ? perRound((run) => run.wrk?.requestsPerSec) : null },
      clean,
      bar: variant.bar ? BAR : null,
      pass: variant.bar ? ratio >= BAR && clean : null,
    };
  }

  const keepAlive = /** @type {VariantResult} */ (variants['keep-alive']);
  return {
    ...resultHead(name, description, loadAverage),
    params: loadParams(options, WORKERS, rounds),
    variants,
    ratio: keepAlive.ratio,
    cpuRatio: keepAlive.cpuRatio,
    bar: BAR,
    pass: keepAlive.pass === true,
  };
}

const HEAD = ['variant', 'server', ...LOAD_HEAD, 'non-2xx', 'errors', 'per run req/s (p99 ms)'];

/** @param {ServeHelloResult} result */
function rows(result) {
  return Object.entries(result.variants).flatMap(([id, variant]) =>
    Object.values(variant.servers).map((s) => [
      id,
      s.label,
      ...loadCells(s),
      s.non2xx,
      s.errors + s.timeouts,
      perRun(s.runs),
    ]),
  );
}

/**
 * One line per variant: its ratio, and the verdict where there is a bar.
 * @param {ServeHelloResult} result
 */
function verdicts(result) {
  return Object.entries(result.variants).map(([id, v]) => {
    const cpu = v.cpuRatio === null ? '' : `, CPU-efficiency ratio ${v.cpuRatio}`;
    const details =
      (v.clean ? '' : ' (tsgate answered some requests with errors, timeouts or non-2xx)') +
      `; per round: autocannon ${v.perRound.autocannon.join(' / ')}` +
      (v.perRound.wrk
        ? `, wrk ${v.perRound.wrk.join(' / ')} (server CPU µs/req by wrk: ${Object.entries(v.servers)
            .map(([server, s]) => `${server} ${s.runs.map((r) => r.wrk?.serverCpuUsPerRequest ?? 'n/a').join(' / ')}`)
            .join('; ')})`
        : ', wrk not installed');
    return v.bar === null
      ? `${id}: ratio ${v.ratio}${cpu} (reported, no bar)${details}`
      : `${id}: ratio ${v.ratio}${cpu} (bar ≥ ${v.bar}): ${v.pass ? 'PASS' : 'FAIL'}${details}`;
  });
}

/**
 * The short table printed on the console.
 * @param {ServeHelloResult} result
 */
export function summary(result) {
  return `${textTable(HEAD, rows(result))}\n\n${verdicts(result).join('\n')}`;
}

/**
 * The human summary written to results/serve-hello.md.
 * @param {ServeHelloResult} result
 */
export function markdown(result) {
  const p = result.params;
  return `# serve-hello

${result.description}.

**keep-alive ratio ${result.ratio} (bar ≥ ${result.bar}): ${result.pass ? 'PASS' : 'FAIL'}** — tsgate req/s ÷ node:http cluster req/s; the bar (docs/architecture.md) also needs tsgate to answer every request with 2xx and no errors.

${reportHeader(result)}
- load: ${p.tool}, ${p.connections} connections, pipelining ${p.pipelining}${p.pipelining > 1 ? ' (1 with keep-alive off)' : ''}, ${p.duration} s per run after ${p.warmup} s warm-up
- each variant: ${p.rounds} run${p.rounds === 1 ? '' : 's'} per server, order ${Object.values(result.variants)[0]?.order.join(' → ') ?? ''}; figures are means over the runs

${markdownTable(HEAD, rows(result))}

${verdicts(result)
  .map((line) => `- ${line}`)
  .join('\n')}

Keep-alive off: every request carries \`Connection: close\` and the load generator opens a new TCP connection for each one (as wrk does), so latency includes the handshake. The CPU-efficiency ratio is node-cluster CPU/request ÷ tsgate CPU/request (informational, steadier on a busy machine); server CPU is user + system time of the server's primary and workers during the measured load, divided by the requests answered (Linux only).

Load generator and both servers share the machine, so absolute numbers are lower than on a dedicated load host; the ratio is what is compared.
`;
}
