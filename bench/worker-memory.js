// @ts-check
/**
 * Worker memory as traffic accumulates (issue: idle workers of 63 MB grew
 * to 118–156 MB after 100 000–400 000 welcome-page requests and stayed
 * there). One worker serves the generated project's welcome page (template,
 * session, CSRF, an UPDATE and a SELECT on SQLite) to a returning visitor;
 * after each step of requests and 2 s idle its RSS is read from /proc. At
 * the first and the last step the worker writes a V8 heap snapshot (node's
 * --heapsnapshot-signal; V8 collects garbage first), so the retained heap,
 * and what grew in it per request, tells a leak from V8 sizing its heap.
 *
 * Each variant runs the same steps with other node flags for the workers
 * (through NODE_OPTIONS): as shipped (V8's defaults), and the young
 * generation bounded (the README says what that costs). Linux only (RSS
 * from /proc).
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { childPids, get, load, procStatusKb, sleep, startServer } from './lib/harness.js';
import { generatedProjectWithProgress, projectLine, projectRecord, projectServer } from './lib/project.js';
import { loadAverageAtStart, markdownTable, reportHeader, resultHead, round, textTable } from './lib/report.js';

export const name = 'worker-memory';
export const description = "RSS of one tsgate worker serving the generated project's welcome page as requests accumulate, and its retained V8 heap";

/** Requests served before each sample, cumulative. */
const STEPS = [0, 10_000, 25_000, 50_000, 100_000, 200_000];
const IDLE_MS = 2000;
const CONNECTIONS = 32;
/** Requests between the two heap snapshots. */
const HEAP_REQUESTS = 50_000;

/**
 * @typedef {object} Variant
 * @property {string} id
 * @property {string} label
 * @property {string} nodeOptions  extra NODE_OPTIONS for the server (primary and worker)
 */

/** @type {Variant[]} */
const VARIANTS = [
  { id: 'tsgate-default', label: 'serve as shipped (V8 defaults: semi-spaces up to 16 MB)', nodeOptions: '' },
  { id: 'semi-space-4', label: 'the young generation bounded', nodeOptions: '--max-semi-space-size=4' },
];

/**
 * @typedef {object} HeapSummary
 * @property {number} totalMb   sum of every node's self size: the heap V8 kept after a full GC
 * @property {number} nodes     objects in the heap
 * @property {Map<string, number>} counts  objects by constructor or type name
 */

/**
 * Reads a .heapsnapshot: its total retained size and its objects by name.
 * @param {string} file
 * @returns {HeapSummary}
 */
function summariseSnapshot(file) {
  /** @type {{ snapshot: { meta: { node_fields: string[], node_types: [string[]] } }, nodes: number[], strings: string[] }} */
  const snapshot = JSON.parse(readFileSync(file, 'utf8'));
  const fields = snapshot.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = snapshot.snapshot.meta.node_types[0];
  let total = 0;
  /** @type {Map<string, number>} */
  const counts = new Map();
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    total += snapshot.nodes[i + sizeAt] ?? 0;
    const type = types[snapshot.nodes[i + typeAt] ?? 0] ?? '?';
    const key = type === 'object' ? (snapshot.strings[snapshot.nodes[i + nameAt] ?? 0] ?? '?') : `(${type})`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return { totalMb: round(total / 2 ** 20, 1), nodes: snapshot.nodes.length / width, counts };
}

/**
 * Asks `pid` for a heap snapshot (SIGUSR2) and waits until the file in `dir` is complete.
 * @param {number} pid
 * @param {string} dir
 * @returns {Promise<HeapSummary>}
 */
async function heapSnapshot(pid, dir) {
  const before = new Set(readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 120_000;
  let file;
  let size = -1;
  while (Date.now() < deadline) {
    await sleep(500);
    file ??= readdirSync(dir).find((entry) => !before.has(entry) && entry.endsWith('.heapsnapshot'));
    if (!file) continue;
    const now = statSync(join(dir, file)).size;
    if (now > 0 && now === size) {
      const summary = summariseSnapshot(join(dir, file));
      rmSync(join(dir, file));
      return summary;
    }
    size = now;
  }
  throw new Error(`no heap snapshot from worker ${pid} within 120 s`);
}

/** @param {number | undefined} kb */
const mb = (kb) => (kb === undefined ? null : round(kb / 1024, 1));

/**
 * @typedef {{ requests: number, rssMb: number | null, hwmMb: number | null }} Sample
 * @typedef {object} VariantResult
 * @property {string} label
 * @property {string} nodeOptions
 * @property {Sample[]} samples
 * @property {number} requestsPerSec  over the whole run
 * @property {number} failures  non-2xx, errors and timeouts
 *
 * @typedef {object} HeapResult
 * @property {number} requests
 * @property {number} beforeMb  retained heap before any request
 * @property {number} afterMb   and after `requests`
 * @property {number} objectsBefore
 * @property {number} objectsAfter
 * @property {number} objectsPerThousandRequests
 * @property {{ name: string, before: number, after: number }[]} grew  the object kinds that grew most
 */

/**
 * Serves the project with one worker under `nodeOptions`, drives the steps
 * with the returning visitor's cookies and calls `sample(step, worker)`
 * after each step and the idle wait.
 *
 * @param {{ dir: string, name: string }} project
 * @param {string} nodeOptions
 * @param {number[]} steps
 * @param {(requests: number, worker: number) => Promise<void>} sample
 * @returns {Promise<{ requestsPerSec: number, failures: number }>}
 */
async function drive(project, nodeOptions, steps, sample) {
  const env = {
    NODE_ENV: 'production',
    DEBUG: 'false',
    SECRET_KEY: randomBytes(43).toString('base64url'),
    ALLOWED_HOSTS: '127.0.0.1',
    SECURE_SSL_REDIRECT: 'false',
    NODE_OPTIONS: nodeOptions,
  };
  const server = await startServer(projectServer(project, 1, env).start);
  try {
    const [worker] = childPids(server.child.pid ?? -1);
    if (worker === undefined) throw new Error('no worker process found');
    const first = await get(server.url);
    const cookie = first.setCookies.map((c) => c.split(';')[0]).join('; ');
    let served = 0;
    let failures = 0;
    let seconds = 0;
    for (const step of steps) {
      if (step > served) {
        process.stderr.write(`${step / 1000}k… `);
        const started = performance.now();
        const result = await load(server.url, { amount: step - served, connections: CONNECTIONS, headers: { cookie } });
        seconds += (performance.now() - started) / 1000;
        failures += result.non2xx + result.errors + result.timeouts;
        served = step;
      }
      await sleep(IDLE_MS);
      await sample(served, worker);
    }
    return { requestsPerSec: Math.round(served / seconds), failures };
  } finally {
    await server.stop();
  }
}

/**
 * The RSS curve (no snapshot: writing one takes memory that stays in RSS).
 *
 * @param {Variant} variant
 * @param {{ dir: string, name: string }} project
 * @returns {Promise<VariantResult>}
 */
async function measure(variant, project) {
  /** @type {Sample[]} */
  const samples = [];
  const { requestsPerSec, failures } = await drive(project, variant.nodeOptions, STEPS, async (requests, worker) => {
    samples.push({ requests, rssMb: mb(procStatusKb(worker, 'VmRSS')), hwmMb: mb(procStatusKb(worker, 'VmHWM')) });
  });
  return { label: variant.label, nodeOptions: variant.nodeOptions, samples, requestsPerSec, failures };
}

/**
 * Heap snapshots (the worker's working folder is the project's) before any
 * request and after HEAP_REQUESTS, as `serve` ships.
 *
 * @param {{ dir: string, name: string }} project
 * @returns {Promise<HeapResult>}
 */
async function measureHeap(project) {
  /** @type {HeapSummary[]} */
  const snapshots = [];
  await drive(project, '--heapsnapshot-signal=SIGUSR2', [0, HEAP_REQUESTS], async (_requests, worker) => {
    snapshots.push(await heapSnapshot(worker, project.dir));
  });
  const [before, after] = /** @type {[HeapSummary, HeapSummary]} */ (snapshots);
  const grew = [...after.counts]
    .map(([kind, count]) => ({ name: kind, before: before.counts.get(kind) ?? 0, after: count }))
    .sort((x, y) => y.after - y.before - (x.after - x.before))
    .slice(0, 6);
  return {
    requests: HEAP_REQUESTS,
    beforeMb: before.totalMb,
    afterMb: after.totalMb,
    objectsBefore: before.nodes,
    objectsAfter: after.nodes,
    objectsPerThousandRequests: round(((after.nodes - before.nodes) * 1000) / HEAP_REQUESTS, 2),
    grew,
  };
}

/**
 * @param {import('./lib/harness.js').BenchOptions} _options
 */
export async function run(_options) {
  const loadAverage = loadAverageAtStart();
  const project = await generatedProjectWithProgress();
  /** @type {Record<string, VariantResult>} */
  const variants = {};
  for (const variant of VARIANTS) {
    process.stderr.write(`  ${variant.id}: `);
    variants[variant.id] = await measure(variant, project);
    process.stderr.write('\n');
  }
  process.stderr.write('  heap snapshots: ');
  const heap = await measureHeap(project);
  process.stderr.write('\n');
  return {
    ...resultHead(name, description, loadAverage),
    project: projectRecord(project),
    params: { steps: STEPS, connections: CONNECTIONS, idleSeconds: IDLE_MS / 1000, workers: 1 },
    variants,
    heap,
    // Reported, no bar: the README states the curve.
    pass: Object.values(variants).every((v) => v.failures === 0),
  };
}

/** @param {Awaited<ReturnType<typeof run>>} result */
function rows(result) {
  return Object.entries(result.variants).map(([id, v]) => [id, ...v.samples.map((s) => (s.rssMb === null ? '?' : String(s.rssMb))), v.requestsPerSec]);
}

const head = () => ['variant', ...STEPS.map((step) => `RSS MB @${step / 1000}k`), 'req/s'];

/** @param {Awaited<ReturnType<typeof run>>} result */
function heapLine(result) {
  const h = result.heap;
  return `retained heap (V8 snapshot after a full GC) ${h.beforeMb} MB before any request, ${h.afterMb} MB after ${h.requests / 1000}k; objects ${h.objectsBefore} → ${h.objectsAfter} (${h.objectsPerThousandRequests} per 1000 requests)`;
}

/** @param {Awaited<ReturnType<typeof run>>} result */
export function summary(result) {
  return `${textTable(head(), rows(result))}\n\n${heapLine(result)}`;
}

/** @param {Awaited<ReturnType<typeof run>>} result */
export function markdown(result) {
  return `# worker-memory

${result.description}.

${reportHeader(result)}
- generated project: ${projectLine(result.project)}; 1 worker; ${CONNECTIONS} keep-alive connections sending the session and CSRF cookies; RSS read ${IDLE_MS / 1000} s after each step

${markdownTable(head(), rows(result))}

${Object.entries(result.variants)
  .map(([id, v]) => `- ${id}: ${v.label}${v.nodeOptions ? ` (NODE_OPTIONS=${v.nodeOptions})` : ''}`)
  .join('\n')}

Heap, as \`serve\` ships: ${heapLine(result)}. Object kinds that grew most: ${result.heap.grew.map((g) => `${g.name} ${g.before} → ${g.after}`).join(', ')}.
`;
}
