// @ts-check
/**
 * wrk (Debian's package) as a second load generator beside autocannon:
 * autocannon is a node process on the same two cores as the servers and
 * compresses differences between them; wrk is C, one thread here.
 */
import { spawnSync } from 'node:child_process';

/** True when `wrk` runs. */
export function wrkAvailable() {
  return spawnSync('wrk', ['--version'], { encoding: 'utf8' }).error === undefined;
}

/** wrk's latency figure ("812.00us", "1.20ms", "2.01s") in ms. @param {string} text */
function ms(text) {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!match) return NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 'ms' ? value : match[2] === 's' ? value * 1000 : value * 60000;
}

/**
 * @typedef {object} WrkResult
 * @property {number} requestsPerSec
 * @property {number} latencyP50Ms
 * @property {number} latencyP99Ms
 * @property {number} totalRequests
 * @property {number} non2xx  wrk's "Non-2xx or 3xx responses"
 * @property {number} errors  connect, read, write and timeout errors
 */

/**
 * `wrk -t1 -cN -dS --latency [--timeout T] [-H header…] url`, parsed.
 * `timeout`: seconds before wrk gives up on a response (its default, 2,
 * counts a slow page on a loaded machine as an error).
 * @param {string} url
 * @param {{ duration: number, connections: number, headers?: Record<string, string>, timeout?: number }} params
 * @returns {WrkResult}
 */
export function wrkLoad(url, { duration, connections, headers = {}, timeout }) {
  const args = ['-t1', `-c${connections}`, `-d${duration}s`, '--latency', ...(timeout === undefined ? [] : ['--timeout', `${timeout}s`])];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  const run = spawnSync('wrk', [...args, url], { encoding: 'utf8', timeout: (duration + 30) * 1000 });
  if (run.status !== 0) throw new Error(`wrk failed (${run.status}): ${run.stderr || run.stdout}`);
  const out = run.stdout;
  const number = (/** @type {RegExp} */ re) => Number(re.exec(out)?.[1] ?? 0);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requestsPerSec: number(/Requests\/sec:\s+([\d.]+)/),
    latencyP50Ms: ms(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? ''),
    latencyP99Ms: ms(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? ''),
    totalRequests: number(/(\d+) requests in/),
    non2xx: number(/Non-2xx or 3xx responses: (\d+)/),
    errors: errors ? errors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
  };
}

/**
 * `wrkLoad` on a running server, with the CPU time its processes (primary
 * and workers) spent meanwhile, in µs per request (null without /proc).
 * @param {number} pid  the server's primary
 * @param {string} url
 * @param {Parameters<typeof wrkLoad>[1]} params
 * @param {(pid: number) => number | undefined} treeCpuSeconds  harness.js's, passed in so this module needs no harness
 * @returns {WrkResult & { serverCpuUsPerRequest: number | null }}
 */
export function wrkLoadWithCpu(pid, url, params, treeCpuSeconds) {
  const before = treeCpuSeconds(pid);
  const result = wrkLoad(url, params);
  const after = treeCpuSeconds(pid);
  const serverCpuUsPerRequest =
    before === undefined || after === undefined || result.totalRequests === 0 ? null : Math.round(((after - before) * 1e7) / result.totalRequests) / 10;
  return { ...result, serverCpuUsPerRequest };
}
