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
import { round } from './report.js';

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = join(BENCH_DIR, '..');
export const RESULTS_DIR = join(BENCH_DIR, 'results');
export const TSGATE_DIST = join(ROOT, 'build', 'tsgate', 'dist');

/**
 * @typedef {object} BenchOptions
 * @property {number} duration      seconds of measured load per run
 * @property {number} connections   concurrent connections
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
 * @property {number} mismatches  responses whose body `verifyBody` rejected (0 when there is none)
 * @property {Record<string, number>} statusCodes  responses by status code
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

/**
 * The child processes of `pid` (for a cluster primary: its workers), from
 * /proc; empty where /proc is not available.
 *
 * @param {number} pid
 * @returns {number[]}
 */
export function childPids(pid) {
  if (process.platform !== 'linux') return [];
  /** @type {Set<number>} */
  const children = new Set();
  // /proc/<pid>/task/<tid>/children needs CONFIG_PROC_CHILDREN; scanning every /proc/<n>/stat does not.
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8');
      for (const child of text.split(' ')) if (/^\d+$/.test(child)) children.add(Number(child));
    }
    return [...children].sort((a, b) => a - b);
  } catch {
    // fall through to the scan
  }
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.add(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return [...children].sort((a, b) => a - b);
}

/**
 * A size field of /proc/<pid>/status (`VmRSS`, `VmHWM`, …) in kB (1024
 * bytes); undefined if the process or the field is not there.
 *
 * @param {number} pid
 * @param {string} field
 * @returns {number | undefined}
 */
export function procStatusKb(pid, field) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

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

/** @param {string} output */
const printedReady = (output) => /^READY$/m.test(output);

/**
 * Starts `node [execArgv] script --port PORT --workers N` and waits until it
 * prints `READY` (every worker listening) and answers a GET with 2xx.
 * `args` and `isReady` replace the arguments after the script and the
 * readiness test, for servers that are not bench/servers/ scripts.
 *
 * @param {object} spec
 * @param {string} spec.script        absolute path of the server script
 * @param {number} spec.workers
 * @param {(port: number) => string[]} [spec.args]  arguments after the script (default `--port PORT --workers N`)
 * @param {string} [spec.cwd]         working folder (default: the repository root)
 * @param {(output: string) => boolean} [spec.isReady]  true once stdout + stderr show every worker ready (default: a `READY` line)
 * @param {string[]} [spec.execArgv]  extra node flags (inherited by cluster workers)
 * @param {Record<string, string>} [spec.env]  extra environment variables
 * @param {number} [spec.timeoutMs]
 * @returns {Promise<RunningServer>}
 */
export async function startServer({
  script,
  workers,
  args = (port) => ['--port', String(port), '--workers', String(workers)],
  cwd = ROOT,
  isReady = printedReady,
  execArgv = [],
  env = {},
  timeoutMs = 20000,
}) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const child = spawn(process.execPath, [...execArgv, script, ...args(port)], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production', ...env },
  });
  let output = '';
  let ready = false;
  /** @type {number | null | undefined} */
  let exitCode;
  const collect = (/** @type {string} */ text) => {
    output += text;
    if (!ready && isReady(output)) ready = true;
  };
  child.stdout?.setEncoding('utf8').on('data', collect);
  child.stderr?.setEncoding('utf8').on('data', collect);
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
 * Starts a server as `startServer` does, hands it to `use`, and stops it
 * however `use` ends; an exit code other than 0 is reported on stderr with
 * everything the server wrote, under `label`.
 *
 * @template T
 * @param {Parameters<typeof startServer>[0]} start
 * @param {string} label
 * @param {(server: RunningServer) => Promise<T>} use
 * @returns {Promise<T>}
 */
export async function withServer(start, label, use) {
  const server = await startServer(start);
  try {
    return await use(server);
  } finally {
    const code = await server.stop();
    if (code !== 0) process.stderr.write(`  ${label} exited with ${code}:\n${server.output()}\n`);
  }
}

/**
 * The node flags that write a V8 CPU profile of a server (and its cluster
 * workers) into `dir`/`tag`, when profiling; none otherwise.
 *
 * @param {string | undefined} dir  `BenchOptions.cpuProf`
 * @param {string} tag
 * @returns {string[]}
 */
export function cpuProfArgs(dir, tag) {
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, tag)}`] : [];
}

/**
 * `rounds` repetitions of `items`, the order alternating per round (A B,
 * B A, …) so that drift in machine load hits every item alike.
 *
 * @template T
 * @param {readonly T[]} items
 * @param {number} rounds
 * @returns {T[]}
 */
export function alternating(items, rounds) {
  /** @type {T[]} */
  const order = [];
  for (let r = 0; r < rounds; r++) order.push(...(r % 2 === 0 ? items : [...items].reverse()));
  return order;
}

/**
 * Makes an autocannon connection open a new TCP connection for every
 * request, as wrk does for a `Connection: close` exchange: once a response
 * is complete the client closes its socket and reconnects before sending the
 * next request, so latency includes the TCP handshake. (Sending the header
 * alone is not enough: autocannon writes the next request onto the socket
 * the server is closing, and its per-request bookkeeping drifts; its
 * `reconnectRate` option drops the response from the counts.) Relies on
 * autocannon internals, hence the guard.
 *
 * @param {import('autocannon').Client} client
 */
function newConnectionPerRequest(client) {
  if (typeof client._doRequest !== 'function' || typeof client._resetConnection !== 'function') {
    throw new Error('this autocannon version has no Client._doRequest/_resetConnection: bench/lib/harness.js needs updating for keep-alive off');
  }
  const doRequest = client._doRequest;
  /** @type {unknown} */
  let used;
  client._doRequest = function () {
    const done = this.responseMax !== undefined && this.responseMax > 0 && this.reqsMade >= this.responseMax;
    if (this.conn === used && !done) {
      this._resetConnection(); // → _connect() → _doRequest() on the fresh socket
      return;
    }
    doRequest.call(this);
    used = this.conn;
  };
}

/**
 * Loads `url` with autocannon for `duration` seconds, or for `amount`
 * requests in all. With `keepAlive: false` every request carries
 * `Connection: close` and goes over a new connection. `method` (default
 * GET), `body` and `headers` go on every request; `verifyBody` sees every
 * response body, and those it rejects are counted in `mismatches`.
 *
 * @param {string} url
 * @param {{ duration?: number, amount?: number, connections: number, pipelining?: number, keepAlive?: boolean, method?: 'GET' | 'POST', body?: string, headers?: Record<string, string>, verifyBody?: (body: string) => boolean }} params
 * @returns {Promise<LoadResult>}
 */
export async function load(url, { duration, amount, connections, pipelining = 1, keepAlive = true, method, body, headers, verifyBody }) {
  if (!keepAlive && pipelining > 1) throw new Error('keep-alive off allows no pipelining');
  /** @type {import('autocannon').Options} */
  const options = amount === undefined ? { url, duration, connections, pipelining } : { url, amount, connections, pipelining };
  if (method) options.method = method;
  if (body !== undefined) options.body = body;
  if (headers) options.headers = { ...headers };
  if (verifyBody) options.verifyBody = verifyBody;
  if (!keepAlive) {
    options.headers = { ...options.headers, connection: 'close' };
    options.setupClient = newConnectionPerRequest;
  }
  const result = await autocannon(options);
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
    mismatches: result.mismatches ?? 0,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, count])),
    throughputBytesPerSec: result.throughput.average,
  };
}

/**
 * Loads a running server as `load` does, and measures the CPU time its
 * processes (primary and workers) spent meanwhile, in µs per request
 * answered; null where /proc is not available or nothing was answered.
 *
 * @param {RunningServer} server
 * @param {Parameters<typeof load>[1]} params
 * @returns {Promise<{ result: LoadResult, serverCpuUsPerRequest: number | null }>}
 */
export async function loadWithCpu(server, params) {
  const pid = server.child.pid ?? -1;
  const cpuBefore = treeCpuSeconds(pid);
  const result = await load(server.url, params);
  const cpuAfter = treeCpuSeconds(pid);
  const serverCpuUsPerRequest =
    cpuBefore === undefined || cpuAfter === undefined || result.totalRequests === 0
      ? null
      : round(((cpuAfter - cpuBefore) * 1e6) / result.totalRequests, 1);
  return { result, serverCpuUsPerRequest };
}

/**
 * @typedef {object} Page
 * @property {number} status
 * @property {import('node:http').IncomingHttpHeaders} headers
 * @property {string[]} setCookies  the Set-Cookie headers
 * @property {string} body
 */

/**
 * One request over a connection of its own, with the whole body; rejects if
 * nothing answers within `timeoutMs`.
 *
 * @param {'GET' | 'POST'} method
 * @param {string} url
 * @param {Record<string, string>} headers
 * @param {string | undefined} body
 * @param {number} timeoutMs
 * @returns {Promise<Page>}
 */
function exchange(method, url, headers, body, timeoutMs) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, headers, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, setCookies: res.headers['set-cookie'] ?? [], body: text }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * One GET, as `exchange` sends it.
 *
 * @param {string} url
 * @param {Record<string, string>} [headers]
 * @param {number} [timeoutMs]
 * @returns {Promise<Page>}
 */
export function get(url, headers = {}, timeoutMs = 5000) {
  return exchange('GET', url, headers, undefined, timeoutMs);
}

/**
 * One POST of `body`, as `exchange` sends it.
 *
 * @param {string} url
 * @param {string} body
 * @param {Record<string, string>} [headers]
 * @param {number} [timeoutMs]
 * @returns {Promise<Page>}
 */
export function post(url, body, headers = {}, timeoutMs = 5000) {
  return exchange('POST', url, headers, body, timeoutMs);
}
