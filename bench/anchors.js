// @ts-check
/**
 * Same-run ratios against the anchors (issue 20): every figure is measured
 * in one run, the servers loaded in turn, the order alternating per round
 * (A B C, C B A, …), each run with wrk (C, one thread) and then autocannon
 * (a node process that shares the two cores and compresses differences):
 *
 * - hello: the hello-world TSGI app under `serve -w 2`
 *   (servers/tsgi-hello.js) vs a bare node:http cluster
 *   (servers/node-cluster.js) vs Django's /hello under gunicorn -w 2;
 * - welcome: the generated project's welcome page (template, database
 *   session, CSRF, UPDATE + SELECT) for a returning visitor vs the same page shape in
 *   Django 3.2 + gunicorn -w 2 (bench/anchors/django);
 * - static: the generated project's hashed stylesheet from its STATIC_ROOT
 *   vs the same file through whitenoise.
 *
 * All servers run at once (idle ones cost no CPU); 32 connections, keep-alive.
 * Ratios are taken per round (same minute, same machine state) and their
 * median reported: absolute numbers on this shared machine swing 2–3×.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { cookieHeader } from './lib/cookies.js';
import { alternating, BENCH_DIR, get, load, startServer } from './lib/harness.js';
import { ensureAnchorPackages, hashedPath, prepareAnchor, startGunicorn } from './lib/django-anchor.js';
import { generatedProjectWithProgress, projectLine, projectRecord, projectServer } from './lib/project.js';
import { loadAverageNow, machine, markdownTable, reportHeader, round, textTable } from './lib/report.js';
import { wrkLoad } from './lib/wrk.js';

export const name = 'anchors';
export const description =
  'same-run ratios: hello-world vs a bare node:http cluster and Django+gunicorn, the welcome page and a hashed stylesheet vs Django 3.2 + gunicorn -w 2 + whitenoise; wrk and autocannon, interleaved rounds';

const WORKERS = 2;
const CONNECTIONS = 32;
const MIN_ROUNDS = 3;

/** @param {number[]} values */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** The cookies a returning visitor sends back, the same names on both sides. */
const VISITOR_COOKIES = ['sessionid', 'csrftoken'];

/**
 * @typedef {object} Target
 * @property {string} label
 * @property {string} url
 * @property {Record<string, string>} headers
 * @property {string} expect  a string every checked body contains
 */

/** @param {Target} target */
async function check(target) {
  const page = await get(target.url, target.headers, 10000);
  if (page.status !== 200 || !page.body.includes(target.expect)) throw new Error(`${target.label}: ${target.url} answered ${page.status} without ${JSON.stringify(target.expect)}`);
}

/**
 * @param {import('./lib/harness.js').BenchOptions} options
 */
export async function run(options) {
  const django = ensureAnchorPackages();
  const rounds = Math.max(MIN_ROUNDS, options.rounds ?? MIN_ROUNDS);
  const loadAverage = loadAverageNow();
  const project = await generatedProjectWithProgress();
  const env = { NODE_ENV: 'production', SECRET_KEY: randomBytes(48).toString('base64url'), ALLOWED_HOSTS: '127.0.0.1', SECURE_SSL_REDIRECT: 'false' };
  const collected = spawnSync(process.execPath, ['dist/manage.js', 'collectstatic', '--noinput'], { cwd: project.dir, env: { ...process.env, ...env }, encoding: 'utf8' });
  if (collected.status !== 0) throw new Error(`collectstatic in the generated project failed:\n${collected.stderr}`);
  const dir = mkdtempSync(join(tmpdir(), 'tsgate-bench-anchors-'));
  /** @type {{ stop: () => Promise<unknown> }[]} */
  const running = [];
  try {
    const anchorEnv = prepareAnchor(dir, [join(project.dir, 'pages', 'static')]);
    const tsgateCss = hashedPath(join(project.dir, 'staticfiles'), 'pages/site.css');
    const djangoCss = hashedPath(join(dir, 'staticfiles'), 'pages/site.css');

    const hello = await startServer({ script: join(BENCH_DIR, 'servers', 'tsgi-hello.js'), workers: WORKERS });
    running.push(hello);
    const cluster = await startServer({ script: join(BENCH_DIR, 'servers', 'node-cluster.js'), workers: WORKERS });
    running.push(cluster);
    const site = await startServer(projectServer(project, WORKERS, env).start);
    running.push(site);
    const gunicorn = await startGunicorn(dir, anchorEnv, WORKERS);
    running.push(gunicorn);

    const tsgateCookie = cookieHeader((await get(site.url)).setCookies, VISITOR_COOKIES);
    const djangoCookie = cookieHeader((await get(gunicorn.url)).setCookies, VISITOR_COOKIES);
    /** @type {Record<string, Target[]>} */
    const measures = {
      hello: [
        { label: 'tsgate serve (TSGI hello)', url: hello.url, headers: {}, expect: 'Hello' },
        { label: 'node:http cluster', url: cluster.url, headers: {}, expect: 'Hello' },
        { label: 'Django + gunicorn /hello', url: `${gunicorn.url}hello`, headers: {}, expect: 'Hello' },
      ],
      welcome: [
        { label: 'tsgate welcome page', url: site.url, headers: { Cookie: tsgateCookie }, expect: 'is running on tsgate' },
        { label: 'Django welcome page', url: gunicorn.url, headers: { Cookie: djangoCookie }, expect: 'is running on Django' },
      ],
      static: [
        { label: 'tsgate hashed stylesheet', url: `${site.url}static/${tsgateCss}`, headers: {}, expect: '{' },
        { label: 'whitenoise hashed stylesheet', url: `${gunicorn.url}static/${djangoCss}`, headers: {}, expect: '{' },
      ],
    };
    for (const targets of Object.values(measures)) for (const target of targets) await check(target);

    /** @type {Record<string, Record<string, { wrk: import('./lib/wrk.js').WrkResult[], autocannon: import('./lib/harness.js').LoadResult[] }>>} */
    const results = {};
    for (const [measure, targets] of Object.entries(measures)) {
      results[measure] = Object.fromEntries(targets.map((target) => [target.label, { wrk: [], autocannon: [] }]));
      // Unmeasured warm-up: JIT, caches, SQLite pages.
      for (const target of targets) wrkLoad(target.url, { duration: options.warmup || 1, connections: CONNECTIONS, headers: target.headers });
      const order = alternating(targets, rounds);
      for (const [index, target] of order.entries()) {
        process.stderr.write(`  ${measure} [${Math.floor(index / targets.length) + 1}/${rounds}] ${target.label}: `);
        const byWrk = wrkLoad(target.url, { duration: options.duration, connections: CONNECTIONS, headers: target.headers });
        const byAutocannon = await load(target.url, { duration: options.duration, connections: CONNECTIONS, headers: target.headers });
        process.stderr.write(`wrk ${Math.round(byWrk.requestsPerSec)} req/s (p99 ${byWrk.latencyP99Ms} ms), autocannon ${Math.round(byAutocannon.requestsPerSec)} req/s (p99 ${byAutocannon.latencyP99Ms} ms)\n`);
        const entry = results[measure]?.[target.label];
        entry?.wrk.push(byWrk);
        entry?.autocannon.push(byAutocannon);
      }
    }
    return summarise(results, { rounds, django, loadAverage, project: projectRecord(project), duration: options.duration });
  } finally {
    for (const server of running.reverse()) await server.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The ratios of interest: [measure, subject, baseline]. */
const RATIOS = /** @type {const} */ ([
  ['hello', 'tsgate serve (TSGI hello)', 'node:http cluster'],
  ['hello', 'tsgate serve (TSGI hello)', 'Django + gunicorn /hello'],
  ['welcome', 'tsgate welcome page', 'Django welcome page'],
  ['static', 'tsgate hashed stylesheet', 'whitenoise hashed stylesheet'],
]);

/**
 * @param {Record<string, Record<string, { wrk: import('./lib/wrk.js').WrkResult[], autocannon: import('./lib/harness.js').LoadResult[] }>>} results
 * @param {{ rounds: number, django: string, loadAverage: number[], project: import('./lib/project.js').ProjectRecord, duration: number }} context
 */
function summarise(results, context) {
  const servers = [];
  for (const [measure, byLabel] of Object.entries(results)) {
    for (const [label, runs] of Object.entries(byLabel)) {
      servers.push({
        measure,
        label,
        wrkRps: round(median(runs.wrk.map((r) => r.requestsPerSec)), 0),
        wrkP99Ms: round(median(runs.wrk.map((r) => r.latencyP99Ms)), 2),
        autocannonRps: round(median(runs.autocannon.map((r) => r.requestsPerSec)), 0),
        autocannonP99Ms: round(median(runs.autocannon.map((r) => r.latencyP99Ms)), 2),
        failures: runs.wrk.reduce((n, r) => n + r.non2xx + r.errors, 0) + runs.autocannon.reduce((n, r) => n + r.non2xx + r.errors, 0),
        wrkPerRound: runs.wrk.map((r) => Math.round(r.requestsPerSec)),
        autocannonPerRound: runs.autocannon.map((r) => Math.round(r.requestsPerSec)),
      });
    }
  }
  const ratios = RATIOS.map(([measure, subject, baseline]) => {
    const a = results[measure]?.[subject];
    const b = results[measure]?.[baseline];
    const per = (/** @type {'wrk' | 'autocannon'} */ tool) => (a?.[tool] ?? []).map((run, i) => round(run.requestsPerSec / (b?.[tool][i]?.requestsPerSec ?? NaN), 3));
    const wrk = per('wrk');
    const autocannon = per('autocannon');
    return { measure, subject, baseline, wrkMedian: round(median(wrk), 3), wrkPerRound: wrk, autocannonMedian: round(median(autocannon), 3), autocannonPerRound: autocannon };
  });
  return {
    name,
    description,
    ...machine(),
    loadAverage: context.loadAverage,
    loadAverageEnd: loadAverageNow(),
    params: { workers: WORKERS, connections: CONNECTIONS, duration: context.duration, rounds: context.rounds, django: context.django },
    project: context.project,
    servers,
    ratios,
    // Reported, no bar of its own: the bars live in the other benchmarks and in issue 20's table.
    // tsgate answered every request (the anchors' own timeouts under load are theirs, shown in the table).
    pass: servers.filter((server) => server.label.startsWith('tsgate')).every((server) => server.failures === 0),
  };
}

const SERVER_HEAD = ['measure', 'server', 'wrk req/s', 'wrk p99 ms', 'autocannon req/s', 'autocannon p99 ms', 'non-2xx + errors', 'per round wrk / autocannon'];
const RATIO_HEAD = ['measure', 'ratio (req/s)', 'wrk median', 'wrk per round', 'autocannon median', 'autocannon per round'];

/** @param {ReturnType<typeof summarise>} result */
function serverRows(result) {
  return result.servers.map((s) => [s.measure, s.label, s.wrkRps, s.wrkP99Ms, s.autocannonRps, s.autocannonP99Ms, s.failures, `${s.wrkPerRound.join(', ')} / ${s.autocannonPerRound.join(', ')}`]);
}

/** @param {ReturnType<typeof summarise>} result */
function ratioRows(result) {
  return result.ratios.map((r) => [r.measure, `${r.subject} ÷ ${r.baseline}`, `${r.wrkMedian}×`, r.wrkPerRound.join(', '), `${r.autocannonMedian}×`, r.autocannonPerRound.join(', ')]);
}

/** @param {ReturnType<typeof summarise>} result */
export function summary(result) {
  return `${textTable(SERVER_HEAD, serverRows(result))}\n\n${textTable(RATIO_HEAD, ratioRows(result))}`;
}

/** @param {ReturnType<typeof summarise>} result */
export function markdown(result) {
  return `# anchors

${result.description}.

${reportHeader(result, { note: 'a machine shared with other work: only the same-round ratios mean anything' })}
- ${result.params.workers} workers each, ${result.params.connections} connections, keep-alive, ${result.params.duration} s per run, ${result.params.rounds} rounds in alternating order; each run wrk (-t1 --latency) then autocannon; Django ${result.params.django} from Debian with gunicorn and whitenoise (bench/anchors/django)
- generated project: ${projectLine(result.project)}
- the welcome page on both sides keeps its visit counter in a database session (Django's default engine, a \`django_session\` row; the generated project's default, an \`auth_session\` row), so each GET loads that row and writes it back, and bumps the counter with an UPDATE and a SELECT; both SQLite files in WAL with synchronous = NORMAL, so neither waits for the disk at each commit (bench/anchors/django/README.md)

${markdownTable(SERVER_HEAD, serverRows(result))}

Same-round ratios (subject ÷ baseline req/s, each round's pair measured minutes apart at most):

${markdownTable(RATIO_HEAD, ratioRows(result))}
`;
}
