// @ts-check
/**
 * The realistic page's bar (docs/architecture.md, Quality bars): the welcome
 * page of a project made by
 * create-tsgate-project (GET / of its pages app: a handlebars template with a
 * layout, the session and CSRF middleware, the security headers), served as
 * in production — `node dist/manage.js serve site.wsgi:application
 * --workers 2` with NODE_ENV=production, DEBUG=false, a long random
 * SECRET_KEY and ALLOWED_HOSTS=127.0.0.1 — must reach ≥ 4× the 460 req/s
 * recorded for the same page under Django + gunicorn -w 2, i.e. ≥ 1840 req/s.
 *
 * The hello-world TSGI app (bench/servers/tsgi-hello.js, 2 workers) is
 * measured in the same run under the same load (keep-alive, 64 connections
 * by default), the order alternating per round (A B, B A, …) as in
 * serve-hello; welcome ÷ hello is reported, without a bar, as the cost of
 * the framework layer over the bare server.
 *
 * Every request is a returning visitor's: before the load, a first GET
 * (no cookies) yields the `sessionid` and `csrftoken` cookies, and every
 * request of the load sends them back in a Cookie header. The page then
 * loads the session (the generated project's default engine, 'db': a row of
 * auth_session), bumps its visit counter in it and in pages_visit, so each
 * GET writes two rows (the session's and the counter's) and sends the
 * session cookie again; it renders the CSRF token from the cookie and sets
 * no new one. A second GET with those cookies is checked before the load
 * (200, the page's h1, the cookie's CSRF token in the form, the session
 * cookie sent again, the security headers); during the load every response
 * must be a 200 whose body contains the h1 (warm-up included).
 *
 * The same-run ratio against Django 3.2 + gunicorn -w 2 on the same page
 * (issue 20's bar) is measured by bench/anchors.js, where the Django anchor
 * uses Django's default session engine, the database, as the generated
 * project uses its db engine (bench/anchors/django/README.md).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { cookieNames, cookieValue } from './lib/cookies.js';
import { alternating, BENCH_DIR, cpuProfArgs, get, load, loadWithCpu, startServer, withServer } from './lib/harness.js';
import { generatedProjectWithProgress, PROJECT_NAME, projectLine, projectRecord, projectServer } from './lib/project.js';
import { LOAD_HEAD, loadAverageAtStart, loadCells, loadMeans, loadNote, loadParams, markdownTable, perRun, ratios, reportHeader, resultHead, round, textTable } from './lib/report.js';
import { BODY_TEXT } from './servers/body.js';

// welcome-form.js and auth-pages.js read cookies through this module.
export { cookieValue };

export const name = 'welcome-page';
export const description =
  "tsgate serve, the generated project's welcome page (template + layout, sessions, CSRF, security headers) for a returning visitor, 2 workers, vs the hello-world TSGI app with 2 workers; keep-alive";

const WORKERS = 2;
/** Django + gunicorn -w 2 on the same page, as recorded for the bar (docs/architecture.md, Quality bars). */
const DJANGO_REQ_PER_SEC = 460;
const FACTOR = 4;
const BAR = DJANGO_REQ_PER_SEC * FACTOR;
/** The welcome page's heading (pages/templates/pages/welcome.html). */
export const H1 = `<h1>${PROJECT_NAME} is running on tsgate</h1>`;
const SESSION_COOKIE = 'sessionid';
const CSRF_COOKIE = 'csrftoken';

/**
 * @typedef {object} Prepared
 * @property {Record<string, string>} headers  sent with every request of the load
 * @property {Sample} sample
 *
 * @typedef {object} Sample  the response checked before the load
 * @property {number} status
 * @property {number} bytes
 * @property {string[]} setCookies  the names of the cookies it set
 * @property {Record<string, string>} headers  the response headers worth reporting
 * @property {string} [cookie]  the Cookie header sent with the load, values shortened
 *
 * @typedef {object} ServerSpec
 * @property {'welcome' | 'hello'} id
 * @property {string} label
 * @property {string} command  for the report
 * @property {(execArgv: string[]) => Parameters<typeof startServer>[0]} start
 * @property {(url: string) => Promise<Prepared>} prepare  checks a sample response; throws if it is wrong
 * @property {(body: string) => boolean} verifyBody  for every response of the load
 */

/**
 * @param {string} what
 * @param {import('./lib/harness.js').Page} page
 */
export function wrong(what, page) {
  const headers = Object.entries(page.headers)
    .map(([key, value]) => `${key}: ${Array.isArray(value) ? value.join(' | ') : value}`)
    .join('\n');
  return new Error(`${what}\n\nstatus ${page.status}\n${headers}\n\n${page.body.slice(0, 2000)}`);
}

/**
 * The welcome page: a first GET makes the session and CSRF cookies, a second
 * one with them is the sample every response of the load should match.
 *
 * @param {string} url
 * @returns {Promise<Prepared>}
 */
export async function prepareWelcome(url) {
  const first = await get(url);
  if (first.status !== 200) throw wrong('welcome-page: the first GET / did not answer 200', first);
  const session = cookieValue(first.setCookies, SESSION_COOKIE);
  const csrf = cookieValue(first.setCookies, CSRF_COOKIE);
  if (!session || !csrf) throw wrong(`welcome-page: the first GET / did not set both ${SESSION_COOKIE} and ${CSRF_COOKIE}`, first);
  const cookie = `${SESSION_COOKIE}=${session}; ${CSRF_COOKIE}=${csrf}`;

  const page = await get(url, { cookie });
  /** @type {[boolean, string][]} */
  const checks = [
    [page.status === 200, 'status 200'],
    [/^text\/html\b/.test(String(page.headers['content-type'])), 'Content-Type text/html'],
    [page.body.includes(H1), `the h1 ${H1}`],
    [page.body.includes(`value="${csrf}"`), 'the CSRF token of the cookie in the form'],
    [/seen it 2 times in this session/.test(page.body), 'the visit counter read from the session (2 times)'],
    [cookieValue(page.setCookies, SESSION_COOKIE) !== undefined, `the ${SESSION_COOKIE} cookie sent again (the session was saved)`],
    [cookieValue(page.setCookies, CSRF_COOKIE) === undefined, `no new ${CSRF_COOKIE} cookie`],
    [page.headers['x-content-type-options'] === 'nosniff', 'X-Content-Type-Options: nosniff'],
    [page.headers['x-frame-options'] === 'DENY', 'X-Frame-Options: DENY'],
    [page.headers['referrer-policy'] === 'same-origin', 'Referrer-Policy: same-origin'],
  ];
  const failed = checks.filter(([ok]) => !ok).map(([, what]) => what);
  if (failed.length > 0) throw wrong(`welcome-page: the returning visitor's GET / lacks ${failed.join(', ')}`, page);

  const short = (/** @type {string} */ value) => (value.length > 16 ? `${value.slice(0, 12)}…` : value);
  /** @type {Record<string, string>} */
  const reported = {};
  for (const key of ['content-type', 'vary', 'x-content-type-options', 'x-frame-options', 'referrer-policy', 'cross-origin-opener-policy']) {
    const value = page.headers[key];
    if (value !== undefined) reported[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    headers: { cookie },
    sample: {
      status: page.status,
      bytes: Buffer.byteLength(page.body),
      setCookies: cookieNames(page.setCookies),
      headers: reported,
      cookie: `${SESSION_COOKIE}=${short(session)}; ${CSRF_COOKIE}=${short(csrf)}`,
    },
  };
}

/**
 * @param {string} url
 * @returns {Promise<Prepared>}
 */
async function prepareHello(url) {
  const page = await get(url);
  if (page.status !== 200 || page.body !== BODY_TEXT) throw wrong(`welcome-page: the hello app did not answer 200 ${JSON.stringify(BODY_TEXT)}`, page);
  return {
    headers: {},
    sample: { status: page.status, bytes: Buffer.byteLength(page.body), setCookies: [], headers: { 'content-type': String(page.headers['content-type']) } },
  };
}

/**
 * @param {import('./lib/project.js').GeneratedProject} project
 * @param {string} secretKey
 * @returns {[ServerSpec, ServerSpec]}
 */
function servers(project, secretKey) {
  const welcome = projectServer(project, WORKERS, { NODE_ENV: 'production', DEBUG: 'false', SECRET_KEY: secretKey, ALLOWED_HOSTS: '127.0.0.1', SECURE_SSL_REDIRECT: 'false' });
  return [
    {
      id: 'welcome',
      label: `welcome page (${welcome.app})`,
      command: welcome.command,
      start: (execArgv) => ({ ...welcome.start, execArgv }),
      prepare: prepareWelcome,
      verifyBody: (body) => body.includes(H1),
    },
    {
      id: 'hello',
      label: 'hello-world TSGI app',
      command: `node bench/servers/tsgi-hello.js --port PORT --workers ${WORKERS}`,
      start: (execArgv) => ({ script: join(BENCH_DIR, 'servers', 'tsgi-hello.js'), workers: WORKERS, execArgv }),
      prepare: prepareHello,
      verifyBody: (body) => body === BODY_TEXT,
    },
  ];
}

/**
 * @typedef {object} Checked  responses that were not a 200 with the expected body
 * @property {number} total
 * @property {number} non200
 * @property {number} mismatches  a body without the h1 (welcome) or not the hello text
 * @property {number} errors
 * @property {number} timeouts
 *
 * @typedef {import('./lib/harness.js').LoadResult & { round: number, order: number, serverCpuUsPerRequest: number | null, non200: number, warmup: Checked | null, sample: Sample }} RunRecord
 *
 * @typedef {object} ServerSummary
 * @property {string} label
 * @property {string} command
 * @property {number} requestsPerSec  mean over runs of autocannon's mean req/s
 * @property {number} latencyP99Ms    mean over runs
 * @property {number} latencyP50Ms    mean over runs
 * @property {number} latencyMeanMs   mean over runs
 * @property {number | null} serverCpuUsPerRequest  CPU time of the server's processes per request, mean over runs (Linux only)
 * @property {number} totalRequests   sum over the measured runs
 * @property {number} non200          sum over runs, warm-ups included
 * @property {number} mismatches      sum over runs, warm-ups included
 * @property {number} errors          sum over runs, warm-ups included
 * @property {number} timeouts        sum over runs, warm-ups included
 * @property {boolean} clean          every response (warm-ups included) a 200 with the expected body; no errors, no timeouts
 * @property {Sample} sample          the first run's sample
 * @property {RunRecord[]} runs
 *
 * @typedef {object} WelcomePageResult
 * @property {string} name
 * @property {string} description
 * @property {string} date
 * @property {string} node
 * @property {string} platform
 * @property {number} cpuCount
 * @property {string} cpuModel
 * @property {number[]} loadAverage     1/5/15-minute load averages when the run started
 * @property {number[]} loadAverageEnd  the same when it ended
 * @property {{ tool: string, duration: number, connections: number, pipelining: number, warmup: number, workers: number, rounds: number, keepAlive: boolean }} params
 * @property {import('./lib/project.js').ProjectRecord} project
 * @property {string[]} order  server ids in the order they were measured
 * @property {Record<string, ServerSummary>} servers  'welcome', 'hello'
 * @property {number} ratio     welcome req/s ÷ hello req/s (informational)
 * @property {number | null} cpuRatio  hello CPU/request ÷ welcome CPU/request (informational)
 * @property {{ djangoRequestsPerSec: number, factor: number, requestsPerSec: number }} bar  on the welcome page's req/s
 * @property {number} vsDjango  welcome req/s ÷ Django's 460
 * @property {boolean} pass  welcome req/s ≥ the bar and every welcome response a 200 with the h1
 */

/**
 * @param {import('./lib/harness.js').LoadResult} result
 * @returns {Checked}
 */
function checked(result) {
  return {
    total: result.totalRequests,
    non200: result.totalRequests - (result.statusCodes['200'] ?? 0),
    mismatches: result.mismatches,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

/** @param {Checked} c */
const problems = (c) => c.non200 + c.mismatches + c.errors + c.timeouts;

/**
 * One measured run: start the server, check a sample, warm up, load it, stop it.
 *
 * @param {ServerSpec} spec
 * @param {import('./lib/harness.js').BenchOptions} options
 * @param {{ index: number, total: number, round: number }} at
 * @returns {Promise<RunRecord>}
 */
async function measure(spec, options, at) {
  process.stderr.write(`  [${at.index}/${at.total}] ${spec.id}: starting… `);
  const execArgv = cpuProfArgs(options.cpuProf, `${name}-${spec.id}-${at.index}`);
  return withServer(spec.start(execArgv), spec.id, async (server) => {
    const { headers, sample } = await spec.prepare(server.url);
    process.stderr.write(`sample ${sample.status}, ${sample.bytes} B… `);
    const params = { connections: options.connections, pipelining: options.pipelining, headers, verifyBody: spec.verifyBody };
    /** @type {Checked | null} */
    let warmup = null;
    if (options.warmup > 0) {
      process.stderr.write(`warm-up ${options.warmup} s… `);
      warmup = checked(await load(server.url, { ...params, duration: options.warmup }));
    }
    process.stderr.write(`load ${options.duration} s… `);
    const { result, serverCpuUsPerRequest } = await loadWithCpu(server, { ...params, duration: options.duration });
    const measured = checked(result);
    const bad = problems(measured) + (warmup ? problems(warmup) : 0);
    process.stderr.write(
      loadNote(result, serverCpuUsPerRequest) +
        (bad > 0
          ? `; not a 200 with the expected body: ${JSON.stringify({ measured, warmup })}, status codes ${JSON.stringify(result.statusCodes)}\n`
          : '\n'),
    );
    return { ...result, round: at.round, order: at.index, serverCpuUsPerRequest, non200: measured.non200, warmup, sample };
  });
}

/**
 * @param {ServerSpec} spec
 * @param {RunRecord[]} list
 * @returns {ServerSummary}
 */
function summarise(spec, list) {
  /** @param {(c: Checked) => number} pick */
  const sum = (pick) => list.reduce((n, r) => n + pick(checked(r)) + (r.warmup ? pick(r.warmup) : 0), 0);
  const summary = {
    label: spec.label,
    command: spec.command,
    ...loadMeans(list),
    totalRequests: list.reduce((n, r) => n + r.totalRequests, 0),
    non200: sum((c) => c.non200),
    mismatches: sum((c) => c.mismatches),
    errors: sum((c) => c.errors),
    timeouts: sum((c) => c.timeouts),
    sample: /** @type {RunRecord} */ (list[0]).sample,
    runs: list,
  };
  return { ...summary, clean: list.length > 0 && summary.non200 + summary.mismatches + summary.errors + summary.timeouts === 0 };
}

/**
 * @param {import('./lib/harness.js').BenchOptions} options
 * @returns {Promise<WelcomePageResult>}
 */
export async function run(options) {
  const rounds = Math.max(1, options.rounds ?? 2);
  const loadAverage = loadAverageAtStart();
  const project = await generatedProjectWithProgress();

  // One key for the whole run: 64 random bytes, 86 characters.
  const specs = servers(project, randomBytes(64).toString('base64url'));
  const order = alternating(specs, rounds);

  /** @type {Record<string, RunRecord[]>} */
  const runs = Object.fromEntries(specs.map((s) => [s.id, []]));
  for (const [i, spec] of order.entries()) {
    const record = await measure(spec, options, { index: i + 1, total: order.length, round: Math.floor(i / specs.length) + 1 });
    runs[spec.id]?.push(record);
  }

  /** @type {Record<string, ServerSummary>} */
  const summaries = {};
  for (const spec of specs) summaries[spec.id] = summarise(spec, runs[spec.id] ?? []);
  const welcome = /** @type {ServerSummary} */ (summaries.welcome);
  const hello = /** @type {ServerSummary} */ (summaries.hello);
  return {
    ...resultHead(name, description, loadAverage),
    params: { ...loadParams(options, WORKERS, rounds), keepAlive: true },
    project: projectRecord(project),
    order: order.map((s) => s.id),
    servers: summaries,
    ...ratios(welcome, hello),
    bar: { djangoRequestsPerSec: DJANGO_REQ_PER_SEC, factor: FACTOR, requestsPerSec: BAR },
    vsDjango: round(welcome.requestsPerSec / DJANGO_REQ_PER_SEC, 2),
    pass: welcome.requestsPerSec >= BAR && welcome.clean,
  };
}

const HEAD = ['server', ...LOAD_HEAD, 'requests', 'not 200 + h1/body', 'errors', 'per run req/s (p99 ms)'];

/** @param {WelcomePageResult} result */
function rows(result) {
  return Object.values(result.servers).map((s) => [
    s.label,
    ...loadCells(s),
    s.totalRequests,
    s.non200 + s.mismatches,
    s.errors + s.timeouts,
    perRun(s.runs),
  ]);
}

/** @param {WelcomePageResult} result */
function verdicts(result) {
  const welcome = /** @type {ServerSummary} */ (result.servers.welcome);
  const b = result.bar;
  const dirty = welcome.clean ? '' : ' (some welcome responses were not a 200 with the h1, or failed)';
  const cpu =
    result.cpuRatio === null
      ? ''
      : `; server CPU/request hello ÷ welcome ${result.cpuRatio} (the page costs ${round(1 / result.cpuRatio, 1)}× the hello app's CPU per request)`;
  return [
    `welcome page ${Math.round(welcome.requestsPerSec)} req/s = ${result.vsDjango}× Django + gunicorn -w 2's ${b.djangoRequestsPerSec} req/s (bar ≥ ${b.factor}× = ${b.requestsPerSec} req/s): ${result.pass ? 'PASS' : 'FAIL'}${dirty}`,
    `welcome ÷ hello req/s: ${result.ratio}${cpu} (informational, no bar)`,
  ];
}

/**
 * The short table printed on the console.
 * @param {WelcomePageResult} result
 */
export function summary(result) {
  return `${textTable(HEAD, rows(result))}\n\n${verdicts(result).join('\n')}`;
}

/**
 * The human summary written to results/welcome-page.md.
 * @param {WelcomePageResult} result
 */
export function markdown(result) {
  const p = result.params;
  const welcome = /** @type {ServerSummary} */ (result.servers.welcome);
  const s = welcome.sample;
  const commands = Object.values(result.servers)
    .map((server) => `- ${server.label}: \`${server.command}\``)
    .join('\n');
  const headers = Object.entries(s.headers)
    .map(([key, value]) => `\`${key}: ${value}\``)
    .join(', ');
  const [bar, ratio] = verdicts(result);
  return `# welcome-page

${result.description}.

**${bar}** — the bar (docs/architecture.md): the generated project's welcome page at ≥ ${result.bar.factor}× the ${result.bar.djangoRequestsPerSec} req/s recorded for Django + gunicorn -w 2; every response must be a 200 with the page's h1.

${ratio}.

${reportHeader(result, { load: { params: p, order: result.order, perServer: true } })}
- generated project: ${projectLine(result.project)}, run with NODE_ENV=production, DEBUG=false, a random 86-character SECRET_KEY, ALLOWED_HOSTS=127.0.0.1

${commands}

${markdownTable(HEAD, rows(result))}

Returning visitor: a first GET / made the session and CSRF cookies; every request of the load sends \`Cookie: ${s.cookie ?? ''}\`. Checked before each welcome run on a second GET with those cookies: ${s.status}, ${s.bytes} bytes, the h1, the cookie's CSRF token in the form, the visit counter read from the session, Set-Cookie of ${s.setCookies.join(', ') || 'nothing'} only (the session saved on every response, its row in auth_session: the generated project's db session engine; no new CSRF cookie), ${headers}. During the load (warm-ups included) every response was checked for status 200 and the h1 (hello: 200 and its exact text); "not 200 + h1/body" counts the failures.

Server CPU is user + system time of the server's primary and workers during the measured load, divided by the requests answered (Linux only). Load generator and servers share the machine, so absolute numbers are lower than on a dedicated load host; the bar compares with a figure recorded elsewhere, so a busy machine counts against it.
`;
}
