// @ts-check
/**
 * DESIGN.md §12: `serve` with a hello-world TSGI app and 2 workers must reach
 * ≥ 0.9× the requests/s of a bare node:http cluster with 2 workers, on the
 * same machine, with the same load tool, in one run.
 *
 * Each server is measured `rounds` times, the order alternating per round
 * (A B, B A, …) so that drift in machine load hits both sides alike; the
 * ratio is taken between the means.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR, load, markdownTable, mean, round, startServer, textTable, treeCpuSeconds } from './lib/harness.js';

export const name = 'serve-hello';
export const description = 'tsgate serve, hello-world TSGI app, 2 workers vs a bare node:http cluster with 2 workers';

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
 * @typedef {import('./lib/harness.js').LoadResult & { round: number, order: number, serverCpuUsPerRequest: number | null }} RunRecord
 *
 * @typedef {object} ServerSummary
 * @property {string} label
 * @property {number} requestsPerSec  mean over runs of autocannon's mean req/s
 * @property {number} latencyP99Ms    mean over runs
 * @property {number} latencyMeanMs   mean over runs
 * @property {number | null} serverCpuUsPerRequest  CPU time of the server's processes per request, mean over runs (Linux only)
 * @property {number} non2xx          sum over runs
 * @property {number} errors          sum over runs
 * @property {number} timeouts        sum over runs
 * @property {number} totalRequests   sum over runs
 * @property {RunRecord[]} runs
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
 * @property {{ tool: string, duration: number, connections: number, pipelining: number, warmup: number, workers: number, rounds: number, order: string[] }} params
 * @property {Record<string, ServerSummary>} servers
 * @property {number} ratio  tsgate req/s ÷ node-cluster req/s
 * @property {number | null} cpuRatio  node-cluster CPU/request ÷ tsgate CPU/request: the same comparison, less sensitive to a busy machine (informational)
 * @property {number} bar
 * @property {boolean} pass  ratio ≥ bar, and tsgate answered every request with 2xx and no errors
 */

/**
 * @param {import('./lib/harness.js').BenchOptions} options
 * @returns {Promise<ServeHelloResult>}
 */
export async function run(options) {
  const rounds = Math.max(1, options.rounds ?? 2);
  /** @type {ServerSpec[]} */
  const order = [];
  for (let r = 0; r < rounds; r++) order.push(...(r % 2 === 0 ? SERVERS : [...SERVERS].reverse()));

  const loadAverage = loadavg().map((n) => round(n, 2));
  if ((loadAverage[0] ?? 0) > availableParallelism() / 2) {
    process.stderr.write(`  note: load average ${loadAverage[0]} on ${availableParallelism()} CPUs; other work will make these numbers noisy\n`);
  }
  /** @type {Record<string, RunRecord[]>} */
  const runs = Object.fromEntries(SERVERS.map((s) => [s.id, []]));
  for (const [index, spec] of order.entries()) {
    const round_ = Math.floor(index / SERVERS.length) + 1;
    process.stderr.write(`  [${index + 1}/${order.length}] ${spec.id}: starting… `);
    const execArgv = options.cpuProf
      ? ['--cpu-prof', `--cpu-prof-dir=${join(options.cpuProf, `${spec.id}-${index + 1}`)}`]
      : [];
    const server = await startServer({ script: spec.script, workers: WORKERS, execArgv });
    try {
      const params = { connections: options.connections, pipelining: options.pipelining };
      if (options.warmup > 0) {
        process.stderr.write(`warm-up ${options.warmup} s… `);
        await load(server.url, { ...params, duration: options.warmup });
      }
      process.stderr.write(`load ${options.duration} s… `);
      const pid = server.child.pid ?? -1;
      const cpuBefore = treeCpuSeconds(pid);
      const result = await load(server.url, { ...params, duration: options.duration });
      const cpuAfter = treeCpuSeconds(pid);
      const serverCpuUsPerRequest =
        cpuBefore === undefined || cpuAfter === undefined || result.totalRequests === 0
          ? null
          : round(((cpuAfter - cpuBefore) * 1e6) / result.totalRequests, 1);
      process.stderr.write(
        `${round(result.requestsPerSec, 0)} req/s, p99 ${result.latencyP99Ms} ms` +
          (serverCpuUsPerRequest === null ? '\n' : `, server CPU ${serverCpuUsPerRequest} µs/req\n`),
      );
      runs[spec.id]?.push({ ...result, round: round_, order: index + 1, serverCpuUsPerRequest });
    } finally {
      const code = await server.stop();
      if (code !== 0) process.stderr.write(`  ${spec.id} exited with ${code}:\n${server.output()}\n`);
    }
  }

  /** @type {Record<string, ServerSummary>} */
  const servers = {};
  for (const spec of SERVERS) {
    const list = runs[spec.id] ?? [];
    servers[spec.id] = {
      label: spec.label,
      requestsPerSec: round(mean(list.map((r) => r.requestsPerSec))),
      latencyP99Ms: round(mean(list.map((r) => r.latencyP99Ms))),
      latencyMeanMs: round(mean(list.map((r) => r.latencyMeanMs))),
      serverCpuUsPerRequest: list.every((r) => r.serverCpuUsPerRequest !== null)
        ? round(mean(list.map((r) => r.serverCpuUsPerRequest ?? 0)), 1)
        : null,
      non2xx: list.reduce((n, r) => n + r.non2xx, 0),
      errors: list.reduce((n, r) => n + r.errors, 0),
      timeouts: list.reduce((n, r) => n + r.timeouts, 0),
      totalRequests: list.reduce((n, r) => n + r.totalRequests, 0),
      runs: list,
    };
  }
  const tsgate = /** @type {ServerSummary} */ (servers.tsgate);
  const baseline = /** @type {ServerSummary} */ (servers['node-cluster']);
  const ratio = baseline.requestsPerSec > 0 ? round(tsgate.requestsPerSec / baseline.requestsPerSec, 3) : 0;
  const cpuRatio =
    tsgate.serverCpuUsPerRequest && baseline.serverCpuUsPerRequest
      ? round(baseline.serverCpuUsPerRequest / tsgate.serverCpuUsPerRequest, 3)
      : null;
  const clean = tsgate.non2xx === 0 && tsgate.errors === 0 && tsgate.timeouts === 0;
  return {
    name,
    description,
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpuCount: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    loadAverage,
    params: {
      tool: 'autocannon (programmatic API)',
      duration: options.duration,
      connections: options.connections,
      pipelining: options.pipelining,
      warmup: options.warmup,
      workers: WORKERS,
      rounds,
      order: order.map((s) => s.id),
    },
    servers,
    ratio,
    cpuRatio,
    bar: BAR,
    pass: ratio >= BAR && clean,
  };
}

/** @param {ServeHelloResult} result */
function rows(result) {
  return Object.values(result.servers).map((s) => [
    s.label,
    Math.round(s.requestsPerSec),
    s.latencyP99Ms,
    s.serverCpuUsPerRequest ?? 'n/a',
    s.non2xx,
    s.errors + s.timeouts,
    s.runs.map((r) => Math.round(r.requestsPerSec)).join(' / '),
  ]);
}

const HEAD = ['server', 'req/s (mean)', 'p99 ms', 'server CPU µs/req', 'non-2xx', 'errors', 'per run req/s'];

/** @param {ServeHelloResult} result */
function verdict(result) {
  return `ratio ${result.ratio} (bar ≥ ${result.bar}): ${result.pass ? 'PASS' : 'FAIL'}`;
}

/** @param {ServeHelloResult} result */
function cpuNote(result) {
  return result.cpuRatio === null
    ? ''
    : `CPU-efficiency ratio ${result.cpuRatio} (node-cluster CPU/req ÷ tsgate CPU/req; informational, steadier on a busy machine)`;
}

/**
 * The short table printed on the console.
 * @param {ServeHelloResult} result
 */
export function summary(result) {
  const note = cpuNote(result);
  return `${textTable(HEAD, rows(result))}\n\n${verdict(result)}${note ? `\n${note}` : ''}`;
}

/**
 * The human summary written to results/serve-hello.md.
 * @param {ServeHelloResult} result
 */
export function markdown(result) {
  const p = result.params;
  return `# serve-hello

${result.description}.

- date: ${result.date}
- node ${result.node}, ${result.platform}, ${result.cpuCount} CPUs (${result.cpuModel}), load average at start ${result.loadAverage.join(' / ')}
- load: ${p.tool}, ${p.connections} connections, pipelining ${p.pipelining}, ${p.duration} s per run after ${p.warmup} s warm-up
- order: ${p.order.join(' → ')} (means over ${p.rounds} runs per server)

${markdownTable(HEAD, rows(result))}

**${verdict(result)}** — tsgate req/s ÷ node:http cluster req/s; the bar (DESIGN.md §12) also needs tsgate to answer every request with 2xx and no errors.

${cpuNote(result) || 'Server CPU per request is measured only on Linux'}. Server CPU is user + system time of the server's primary and workers during the measured load, divided by the requests answered.

Load generator and both servers share the machine, so absolute numbers are lower than on a dedicated load host; the ratio is what is compared.
`;
}
