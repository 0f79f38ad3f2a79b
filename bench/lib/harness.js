// @ts-check
/**
 * Shared machinery for the benchmarks: start a server script as a child
 * process on a free port, wait until it answers, load it with autocannon's
 * programmatic API, stop it with SIGTERM and wait for it to exit.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = join(BENCH_DIR, '..');
export const RESULTS_DIR = join(BENCH_DIR, 'results');
export const TSGATE_DIST = join(ROOT, 'build', 'tsgate', 'dist');

/**
 * @typedef {object} BenchOptions
 * @property {number} duration      seconds of measured load per run
 * @property {number} connections   concurrent keep-alive connections
 * @property {number} pipelining    requests in flight per connection
 * @property {number} warmup        seconds of unmeasured load before each run
 * @property {number} [rounds]      measured runs per server, order alternating (A B, B A, …)
 * @property {string | undefined} cpuProf  directory for `node --cpu-prof` output of the servers, if profiling
 */

/**
 * @typedef {object} LoadResult
 * @property {number} requestsPerSec  mean of autocannon's per-second samples
 * @property {number} requestsStddev
 * @property {number} latencyMeanMs
 * @property {number} latencyP50Ms
 * @property {number} latencyP99Ms
 * @property {number} latencyMaxMs
 * @property {number} totalRequests
 * @property {number} non2xx
 * @property {number} errors
 * @property {number} timeouts
 * @property {number} throughputBytesPerSec
 */

/**
 * @typedef {object} RunningServer
 * @property {import('node:child_process').ChildProcess} child
 * @property {number} port
 * @property {string} url
 * @property {() => string} output  everything the server wrote so far (stdout + stderr)
 * @property {() => Promise<number | null>} stop  SIGTERM, then waits for exit (SIGKILL after a timeout)
 */

/** True when `node scripts/build.js` has produced the runtime. */
export function buildExists() {
  return existsSync(join(TSGATE_DIST, 'server', 'index.js'));
}

/** A TCP port that was free a moment ago. */
export function freePort() {
  return /** @type {Promise<number>} */ (
    new Promise((resolve, reject) => {
      const server = createServer();
      server.unref();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        const port = typeof address === 'object' && address ? address.port : 0;
        server.close(() => resolve(port));
      });
    })
  );
}

/**
 * CPU seconds (user + system) used so far by a process and all its
 * descendants, from /proc; undefined where /proc is not available. Linux
 * reports in clock ticks of 1/100 s (USER_HZ).
 *
 * @param {number} root
 * @returns {number | undefined}
 */
export function treeCpuSeconds(root) {
  if (process.platform !== 'linux') return undefined;
  /** @type {Map<number, { ppid: number, ticks: number }>} */
  const procs = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // Fields after the parenthesised command name: state ppid … utime(14) stime(15).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    procs.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
  }
  if (!procs.has(root)) return undefined;
  let ticks = 0;
  const queue = [root];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    ticks += procs.get(pid)?.ticks ?? 0;
    for (const [child, info] of procs) if (info.ppid === pid) queue.push(child);
  }
  return ticks / 100;
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One GET; resolves to the status code, or undefined if nothing answered.
 * @param {string} url
 * @returns {Promise<number | undefined>}
 */
function probe(url) {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/**
 * Starts `node [execArgv] script --port PORT --workers N` and waits until it
 * prints `READY` (every worker listening) and answers a GET with 2xx.
 *
 * @param {object} spec
 * @param {string} spec.script        absolute path of the server script
 * @param {number} spec.workers
 * @param {string[]} [spec.execArgv]  extra node flags (inherited by cluster workers)
 * @param {Record<string, string>} [spec.env]  extra environment variables
 * @param {number} [spec.timeoutMs]
 * @returns {Promise<RunningServer>}
 */
export async function startServer({ script, workers, execArgv = [], env = {}, timeoutMs = 20000 }) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const child = spawn(process.execPath, [...execArgv, script, '--port', String(port), '--workers', String(workers)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production', ...env },
  });
  let output = '';
  let ready = false;
  /** @type {number | null | undefined} */
  let exitCode;
  child.stdout?.setEncoding('utf8').on('data', (/** @type {string} */ text) => {
    output += text;
    if (/^READY$/m.test(output)) ready = true;
  });
  child.stderr?.setEncoding('utf8').on('data', (/** @type {string} */ text) => {
    output += text;
  });
  const exited = /** @type {Promise<number | null>} */ (
    new Promise((resolve) => {
      child.once('exit', (code) => {
        exitCode = code;
        resolve(code);
      });
    })
  );

  const stop = async () => {
    if (exitCode !== undefined) return exitCode;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exitCode !== undefined) {
      throw new Error(`${script} exited with ${exitCode} before it was ready:\n${output}`);
    }
    if (ready) {
      const status = await probe(url);
      if (status !== undefined && status >= 200 && status < 300) break;
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${script} did not answer at ${url} within ${timeoutMs} ms:\n${output}`);
    }
    await sleep(50);
  }
  return { child, port, url, output: () => output, stop };
}

/**
 * Loads `url` with autocannon for `duration` seconds.
 *
 * @param {string} url
 * @param {{ duration: number, connections: number, pipelining: number }} params
 * @returns {Promise<LoadResult>}
 */
export async function load(url, { duration, connections, pipelining }) {
  const result = await autocannon({ url, duration, connections, pipelining });
  return {
    requestsPerSec: result.requests.average,
    requestsStddev: result.requests.stddev,
    latencyMeanMs: result.latency.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    latencyMaxMs: result.latency.max,
    totalRequests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    throughputBytesPerSec: result.throughput.average,
  };
}

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
