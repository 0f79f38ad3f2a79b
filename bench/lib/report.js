// @ts-check
/**
 * Shared reporting for the benchmarks: the machine a run was on, figures
 * summarised over runs, and the pieces of the console summary and of
 * results/<name>.md that the benchmarks have in common.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';

/**
 * Rounds for reporting.
 * @param {number} value
 * @param {number} [digits]
 */
export function round(value, digits = 2) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** @param {number[]} values */
export function mean(values) {
  return values.reduce((a, b) => a + b, 0) / (values.length || 1);
}

/**
 * A plain-text table with aligned columns.
 * @param {string[]} head
 * @param {(string | number)[][]} rows
 */
export function textTable(head, rows) {
  const cells = [head, ...rows.map((row) => row.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (/** @type {string[]} */ row) => row.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((r) => line(r.map(String)))].join('\n');
}

/**
 * A markdown table.
 * @param {string[]} head
 * @param {(string | number)[][]} rows
 */
export function markdownTable(head, rows) {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

/** The 1/5/15-minute load averages, rounded. */
export const loadAverageNow = () => loadavg().map((n) => round(n, 2));

/**
 * The load averages at the start of a run; says on stderr when the machine
 * is busy enough to make the numbers noisy.
 */
export function loadAverageAtStart() {
  const loadAverage = loadAverageNow();
  if ((loadAverage[0] ?? 0) > availableParallelism() / 2) {
    process.stderr.write(`  note: load average ${loadAverage[0]} on ${availableParallelism()} CPUs; other work will make these numbers noisy\n`);
  }
  return loadAverage;
}

/**
 * @typedef {object} Machine  when and where a result was taken
 * @property {string} date
 * @property {string} node
 * @property {string} platform
 * @property {number} cpuCount
 * @property {string} cpuModel
 */

/** @returns {Machine} */
export function machine() {
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpuCount: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
  };
}

/**
 * The opening fields of a result that compares servers under load: what
 * ran, when and where, and the load averages at its start and now, at its end.
 *
 * @param {string} name
 * @param {string} description
 * @param {number[]} loadAverage  from `loadAverageAtStart()`
 */
export function resultHead(name, description, loadAverage) {
  return { name, description, ...machine(), loadAverage, loadAverageEnd: loadAverageNow() };
}

/**
 * `node v20…, linux x64, 2 CPUs (model)`, for the markdown.
 * @param {Machine} m
 */
export const machineLine = (m) => `node ${m.node}, ${m.platform}, ${m.cpuCount} CPUs (${m.cpuModel})`;

/**
 * @typedef {object} LoadedServers  how a benchmark loaded its servers, for reportHeader()
 * @property {ReturnType<typeof loadParams>} params
 * @property {string[]} order  the servers in the order they were measured
 * @property {string} [connections]  said after the connection count, e.g. ` (login: 8)`
 * @property {boolean} [perServer]  rounds per server on one server each, rather than a fresh server per run
 */

/**
 * The opening list of a result's markdown, the same in every benchmark: its
 * date; the machine and the load averages at its start (and at its end,
 * when recorded), with `note` on how to read them; and for a benchmark
 * that loads servers with autocannon (`load`), how, and in which order over
 * how many rounds.
 *
 * @param {Machine & { loadAverage: number[], loadAverageEnd?: number[] }} result
 * @param {{ note?: string, load?: LoadedServers }} [options]
 */
export function reportHeader(result, { note, load } = {}) {
  const end = result.loadAverageEnd ? `, ${result.loadAverageEnd.join(' / ')} at end` : '';
  const lines = [`- date: ${result.date}`, `- ${machineLine(result)}, load average ${result.loadAverage.join(' / ')} at start${end}${note ? ` (${note})` : ''}`];
  if (load) {
    const p = load.params;
    lines.push(
      `- load: ${p.tool}, keep-alive, ${p.connections} connections${load.connections ?? ''}, pipelining ${p.pipelining}, ${p.duration} s per run after ${p.warmup} s warm-up; ${p.workers} workers${load.perServer ? ' per server' : ''}`,
      `- ${p.rounds} run${p.rounds === 1 ? '' : 's'} ${load.perServer ? 'per server' : 'of each, a fresh server per run'}, order ${load.order.join(' → ')}; figures are means over the runs`,
    );
  }
  return lines.join('\n');
}

/**
 * The load parameters of a result (`params`) of a benchmark that loads its
 * servers with autocannon.
 *
 * @param {import('./harness.js').BenchOptions} options
 * @param {number} workers
 * @param {number} rounds
 */
export function loadParams(options, workers, rounds) {
  return {
    tool: 'autocannon (programmatic API)',
    duration: options.duration,
    connections: options.connections,
    pipelining: options.pipelining,
    warmup: options.warmup,
    workers,
    rounds,
  };
}

/**
 * @typedef {object} LoadRun  the figures of one measured run that are summarised over runs
 * @property {number} requestsPerSec
 * @property {number} latencyP99Ms
 * @property {number} latencyP50Ms
 * @property {number} latencyMeanMs
 * @property {number | null} serverCpuUsPerRequest
 */

/**
 * Means over the runs of a server: req/s, latencies, and server CPU per
 * request (null unless every run has it).
 *
 * @param {LoadRun[]} runs
 */
export function loadMeans(runs) {
  return {
    requestsPerSec: round(mean(runs.map((r) => r.requestsPerSec))),
    latencyP99Ms: round(mean(runs.map((r) => r.latencyP99Ms))),
    latencyP50Ms: round(mean(runs.map((r) => r.latencyP50Ms))),
    latencyMeanMs: round(mean(runs.map((r) => r.latencyMeanMs))),
    serverCpuUsPerRequest: runs.every((r) => r.serverCpuUsPerRequest !== null)
      ? round(mean(runs.map((r) => r.serverCpuUsPerRequest ?? 0)), 1)
      : null,
  };
}

/**
 * `subject` req/s ÷ `baseline` req/s (0 when the baseline served nothing),
 * and the same comparison by CPU time per request, baseline ÷ subject
 * (null where either is unknown).
 *
 * @param {{ requestsPerSec: number, serverCpuUsPerRequest: number | null }} subject
 * @param {{ requestsPerSec: number, serverCpuUsPerRequest: number | null }} baseline
 */
export function ratios(subject, baseline) {
  return {
    ratio: baseline.requestsPerSec > 0 ? round(subject.requestsPerSec / baseline.requestsPerSec, 3) : 0,
    cpuRatio:
      subject.serverCpuUsPerRequest && baseline.serverCpuUsPerRequest
        ? round(baseline.serverCpuUsPerRequest / subject.serverCpuUsPerRequest, 3)
        : null,
  };
}

/** The table columns of `loadCells`. */
export const LOAD_HEAD = ['req/s (mean)', 'p99 ms', 'p50 ms', 'server CPU µs/req'];

/**
 * A server's means over its runs, as table cells under `LOAD_HEAD`.
 * @param {ReturnType<typeof loadMeans>} s
 */
export const loadCells = (s) => [Math.round(s.requestsPerSec), s.latencyP99Ms, s.latencyP50Ms, s.serverCpuUsPerRequest ?? 'n/a'];

/**
 * The "per run req/s (p99 ms)" cell: `17074 (11) / 16666 (11)`.
 * @param {LoadRun[]} runs
 */
export const perRun = (runs) => runs.map((r) => `${Math.round(r.requestsPerSec)} (${r.latencyP99Ms})`).join(' / ');

/**
 * The progress note of one measured run: `16870 req/s, p99 11 ms, server CPU 59.8 µs/req`.
 * @param {import('./harness.js').LoadResult} result
 * @param {number | null} serverCpuUsPerRequest
 */
export function loadNote(result, serverCpuUsPerRequest) {
  return (
    `${round(result.requestsPerSec, 0)} req/s, p99 ${result.latencyP99Ms} ms` +
    (serverCpuUsPerRequest === null ? '' : `, server CPU ${serverCpuUsPerRequest} µs/req`)
  );
}
