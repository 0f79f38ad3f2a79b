// @ts-check
/**
 * The memory bar (docs/architecture.md, Quality bars): an idle worker's RSS ≤ 80 MB.
 *
 * Two tsgate servers with 2 workers each: the hello-world TSGI app
 * (bench/servers/tsgi-hello.js) and a realistic one, a project made by
 * create-tsgate-project and built (bench/lib/project.js), started as in
 * production: `node dist/manage.js serve site.wsgi:application`. Each
 * worker's VmRSS is read from /proc once the server is ready (boot), 3 s
 * after 200 requests (a new connection per request, so both workers serve),
 * and once the worker's idle collections (src/runtime/server/idle-gc.ts)
 * have had their chance: IDLE_SETTLED_INTERVALS of its QUIET_MS after the
 * requests, plus a second. The bar is on that last reading, an idle
 * worker's; the 3 s reading is what a worker holds before it counts as
 * idle. At that moment the bench also reads how the RSS splits (RssAnon:
 * the worker's own heap and malloc; RssFile: the node binary and shared
 * libraries, mostly pages shared with every other node process) and the
 * worker's proportional share (Pss) and private memory (USS) from
 * /proc/<pid>/smaps_rollup. The primary's RSS is reported too, without a
 * bar. Linux only.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BENCH_DIR, childPids, load, procStatusKb, sleep, startServer, TSGATE_DIST, withServer } from './lib/harness.js';
import { generatedProjectWithProgress, projectLine, projectRecord, projectServer } from './lib/project.js';
import { loadAverageNow, machine, markdownTable, mean, reportHeader, round, textTable } from './lib/report.js';

export const name = 'idle-rss';
export const description = 'RSS of tsgate workers (2 workers), hello-world TSGI app and a generated project: at boot, 3 s after 200 requests, and idle (once the idle collections have run)';

const BAR_MB = 80;
const WORKERS = 2;
const REQUESTS = 200;
const REQUEST_CONNECTIONS = 4;
/** The reading taken before a worker counts as idle (the only one this bench took until the idle collection got a follow-up). */
const AFTER_LOAD_MS = 3000;

/** How long after the requests the idle collections have all run, from the built runtime's own constants. */
async function settledMs() {
  const idleGc = /** @type {{ QUIET_MS: number, IDLE_SETTLED_INTERVALS: number }} */ (
    await import(pathToFileURL(join(TSGATE_DIST, 'server', 'idle-gc.js')).href)
  );
  return idleGc.QUIET_MS * idleGc.IDLE_SETTLED_INTERVALS + 1000;
}

/**
 * @typedef {object} WorkerMemory
 * @property {number} pid
 * @property {number | null} bootRssMb  VmRSS once the server was ready, before any load
 * @property {number | null} afterLoadRssMb  VmRSS 3 s after the requests, before the idle collection
 * @property {number | null} rssMb      VmRSS once idle: after the requests and the idle collections (the bar)
 * @property {number | null} anonMb     RssAnon at that moment: the worker's own (V8 heap, malloc)
 * @property {number | null} fileMb     RssFile: mapped files (node's binary, libraries, native addons), shared with other processes
 * @property {number | null} pssMb      Pss from smaps_rollup: shared pages divided among the processes that map them
 * @property {number | null} ussMb      Private_Clean + Private_Dirty: what exiting this worker would free
 * @property {number | null} hwmMb      VmHWM (peak RSS) at the same moment
 *
 * @typedef {object} ServerMemory
 * @property {string} label
 * @property {string} command
 * @property {number} startupSeconds  from spawn until every worker was ready and a GET answered 2xx
 * @property {{ total: number, non2xx: number, errors: number, timeouts: number }} requests
 * @property {WorkerMemory[]} workers
 * @property {number | null} maxRssMb   over the workers
 * @property {number | null} meanRssMb  over the workers
 * @property {number | null} primaryRssMb  the cluster primary (informational)
 * @property {boolean} pass  2 workers found, every request 2xx, max idle worker RSS ≤ the bar
 *
 * @typedef {object} IdleRssResult
 * @property {string} name
 * @property {string} description
 * @property {string} date
 * @property {string} node
 * @property {string} platform
 * @property {number} cpuCount
 * @property {string} cpuModel
 * @property {number[]} loadAverage
 * @property {{ workers: number, requests: number, connections: number, afterLoadSeconds: number, idleSeconds: number, unit: string }} params
 * @property {import('./lib/project.js').ProjectRecord | { error: string }} project  the generated project, or why it could not be made (then only tsgate-hello is measured, and the run fails)
 * @property {Record<string, ServerMemory>} servers  'tsgate-hello', 'generated-project'
 * @property {number} bar  MB
 * @property {boolean} pass
 */

/** kB (as /proc reports) → MB of 2^20 bytes, as ps and top count. @param {number | undefined} kb */
const mb = (kb) => (kb === undefined ? null : round(kb / 1024, 1));

/**
 * Fields of /proc/<pid>/smaps_rollup in kB; empty if it cannot be read.
 * @param {number} pid
 * @returns {Record<string, number>}
 */
function smapsRollupKb(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    return Object.fromEntries([...text.matchAll(/^(\w+):\s+(\d+) kB$/gm)].map((m) => [m[1], Number(m[2])]));
  } catch {
    return {};
  }
}

/**
 * @param {number} pid
 * @param {number | null} bootRssMb
 * @param {number | null} afterLoadRssMb
 * @returns {WorkerMemory}
 */
function idleWorker(pid, bootRssMb, afterLoadRssMb) {
  const rollup = smapsRollupKb(pid);
  const uss = rollup.Private_Clean !== undefined && rollup.Private_Dirty !== undefined ? rollup.Private_Clean + rollup.Private_Dirty : undefined;
  return {
    pid,
    bootRssMb,
    afterLoadRssMb,
    rssMb: mb(procStatusKb(pid, 'VmRSS')),
    anonMb: mb(procStatusKb(pid, 'RssAnon')),
    fileMb: mb(procStatusKb(pid, 'RssFile')),
    pssMb: mb(rollup.Pss),
    ussMb: mb(uss),
    hwmMb: mb(procStatusKb(pid, 'VmHWM')),
  };
}

/**
 * @param {number} pid
 * @returns {Map<number, number | null>}
 */
function workerRss(pid) {
  return new Map(childPids(pid).map((child) => [child, mb(procStatusKb(child, 'VmRSS'))]));
}

/**
 * @param {object} spec
 * @param {string} spec.label
 * @param {string} spec.command  for the report
 * @param {Parameters<typeof startServer>[0]} spec.start
 * @param {number} spec.idleMs  after the requests, until the idle reading
 * @returns {Promise<ServerMemory>}
 */
async function measure({ label, command, start, idleMs }) {
  const started = performance.now();
  return withServer(start, label, async (server) => {
    const startupSeconds = round((performance.now() - started) / 1000, 2);
    const primary = server.child.pid ?? -1;
    const boot = workerRss(primary);
    const result = await load(server.url, { amount: REQUESTS, connections: REQUEST_CONNECTIONS, keepAlive: false });
    const loaded = performance.now();
    await sleep(AFTER_LOAD_MS);
    const afterLoad = workerRss(primary);
    await sleep(Math.max(0, idleMs - (performance.now() - loaded)));
    /** @type {WorkerMemory[]} */
    const workers = childPids(primary).map((pid) => idleWorker(pid, boot.get(pid) ?? null, afterLoad.get(pid) ?? null));
    const rss = workers.map((w) => w.rssMb).filter((n) => n !== null);
    const requests = { total: result.totalRequests, non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts };
    const maxRssMb = rss.length > 0 ? Math.max(...rss) : null;
    return {
      label,
      command,
      startupSeconds,
      requests,
      workers,
      maxRssMb,
      meanRssMb: rss.length > 0 ? round(mean(rss), 1) : null,
      primaryRssMb: mb(procStatusKb(primary, 'VmRSS')),
      pass:
        rss.length === WORKERS &&
        requests.total === REQUESTS &&
        requests.non2xx + requests.errors + requests.timeouts === 0 &&
        maxRssMb !== null &&
        maxRssMb <= BAR_MB,
    };
  });
}

/**
 * @param {import('./lib/harness.js').BenchOptions} _options
 * @returns {Promise<IdleRssResult>}
 */
export async function run(_options) {
  if (process.platform !== 'linux') throw new Error('idle-rss reads /proc: it runs on Linux only');
  const loadAverage = loadAverageNow();

  /** @type {import('./lib/project.js').GeneratedProject | { error: string }} */
  let project;
  try {
    project = await generatedProjectWithProgress();
  } catch (error) {
    // Measure the hello app anyway; the result records why the project is missing and fails.
    project = { error: error instanceof Error ? error.message : String(error) };
    process.stderr.write(`could not be made:\n${project.error}\n`);
  }

  const idleMs = await settledMs();
  /** @type {Record<string, ServerMemory>} */
  const servers = {};
  process.stderr.write('  tsgate-hello… ');
  servers['tsgate-hello'] = await measure({
    label: 'tsgate serve (TSGI hello)',
    command: `node bench/servers/tsgi-hello.js --workers ${WORKERS}`,
    start: { script: join(BENCH_DIR, 'servers', 'tsgi-hello.js'), workers: WORKERS },
    idleMs,
  });
  process.stderr.write(`max worker ${servers['tsgate-hello'].maxRssMb} MB\n`);

  if ('error' in project) return finish(loadAverage, project, servers, idleMs);
  const served = projectServer(project, WORKERS, { NODE_ENV: 'production', SECRET_KEY: randomBytes(48).toString('base64url'), ALLOWED_HOSTS: '127.0.0.1', SECURE_SSL_REDIRECT: 'false' });
  process.stderr.write('  generated-project… ');
  servers['generated-project'] = await measure({ label: `generated project (${served.app})`, command: served.command, start: served.start, idleMs });
  process.stderr.write(`max worker ${servers['generated-project'].maxRssMb} MB\n`);
  return finish(loadAverage, projectRecord(project), servers, idleMs);
}

/**
 * @param {number[]} loadAverage
 * @param {IdleRssResult['project']} project
 * @param {Record<string, ServerMemory>} servers
 * @param {number} idleMs
 * @returns {IdleRssResult}
 */
function finish(loadAverage, project, servers, idleMs) {
  return {
    name,
    description,
    ...machine(),
    loadAverage,
    params: {
      workers: WORKERS,
      requests: REQUESTS,
      connections: REQUEST_CONNECTIONS,
      afterLoadSeconds: AFTER_LOAD_MS / 1000,
      idleSeconds: idleMs / 1000,
      unit: 'MB = 2^20 bytes (VmRSS kB ÷ 1024, as ps and top count)',
    },
    project,
    servers,
    bar: BAR_MB,
    pass: !('error' in project) && Object.values(servers).every((s) => s.pass),
  };
}

const HEAD = ['server', 'idle worker RSS max MB', 'mean MB', 'per worker MB (boot → 3 s after load → idle)', 'idle: anon + file MB', 'idle: PSS / USS MB', 'peak (HWM) MB', 'primary MB', 'requests 2xx', 'bar'];

/** @param {IdleRssResult} result */
function rows(result) {
  return Object.values(result.servers).map((s) => [
    s.label,
    s.maxRssMb ?? 'n/a',
    s.meanRssMb ?? 'n/a',
    s.workers.map((w) => `${w.bootRssMb ?? '?'} → ${w.afterLoadRssMb ?? '?'} → ${w.rssMb ?? '?'}`).join(', ') || 'no workers found',
    s.workers.map((w) => `${w.anonMb ?? '?'} + ${w.fileMb ?? '?'}`).join(', '),
    s.workers.map((w) => `${w.pssMb ?? '?'} / ${w.ussMb ?? '?'}`).join(', '),
    s.workers.map((w) => w.hwmMb ?? '?').join(', '),
    s.primaryRssMb ?? 'n/a',
    `${s.requests.total - s.requests.non2xx}/${REQUESTS}`,
    `≤ ${result.bar}: ${s.pass ? 'PASS' : 'FAIL'}`,
  ]);
}

/** @param {IdleRssResult} result */
function verdict(result) {
  const max = Math.max(...Object.values(result.servers).map((s) => s.maxRssMb ?? Infinity));
  const missing = 'error' in result.project ? ' (the generated project could not be made, so it was not measured)' : '';
  return `max idle worker RSS ${max} MB, ${result.params.idleSeconds} s after the requests (bar ≤ ${result.bar} MB): ${result.pass ? 'PASS' : 'FAIL'}${missing}`;
}

/** @param {IdleRssResult['project']} project */
function projectItem(project) {
  if ('error' in project) return `generated project: could not be made (not measured):\n\n\`\`\`\n${project.error.trim()}\n\`\`\`\n`;
  return `generated project: ${projectLine(project)}, run with NODE_ENV=production, a random SECRET_KEY, ALLOWED_HOSTS=127.0.0.1`;
}

/**
 * @param {IdleRssResult} result
 */
export function summary(result) {
  return `${textTable(HEAD, rows(result))}\n\n${verdict(result)}`;
}

/**
 * @param {IdleRssResult} result
 */
export function markdown(result) {
  const p = result.params;
  const commands = Object.values(result.servers)
    .map((s) => `- ${s.label}: \`${s.command}\`, ready in ${s.startupSeconds} s`)
    .join('\n');
  return `# idle-rss

${result.description}.

**${verdict(result)}** — the bar (docs/architecture.md): idle worker RSS ≤ ${result.bar} MB, for every worker of both servers.

${reportHeader(result)}
- ${p.workers} workers per server; ${p.requests} GET / over ${p.connections} connections (a new connection per request, so every worker serves); VmRSS of each worker (the primary's children) from /proc/<pid>/status at boot, ${p.afterLoadSeconds ?? 3} s after the requests, and ${p.idleSeconds} s after them (idle: the worker's idle collections, src/runtime/server/idle-gc.ts, have run by then), with RssAnon/RssFile and smaps_rollup's Pss and private pages (USS) at that last reading
- ${p.unit}
- ${projectItem(result.project)}

${commands}

${markdownTable(HEAD, rows(result))}

The primary's RSS, the workers' peak (VmHWM), the 3 s reading, the anon/file split and PSS/USS are informational; the bar is on each worker's RSS once idle. RssFile is mostly node's own binary (~40 MB of a worker's RSS), whose pages every node process on the machine shares: PSS and USS say what a worker costs on its own.
`;
}
