// @ts-check
/**
 * Issue 16's bar: the welcome page's form POST (POST /hello/ with a valid
 * name: CSRF check, the urlencoded body parsed, the NameForm bound and
 * validated by its valibot schema, the name stored in the signed-cookie
 * session, a 302 back to /) must reach ≥ 0.8× the requests/s of the
 * welcome page's GET (template, session, one UPDATE and one SELECT on
 * SQLite) in the same run.
 *
 * The generated project is served as in production (`serve --workers 2`,
 * NODE_ENV=production, DEBUG=false), a fresh server per measured run, the
 * order alternating per round (GET POST, POST GET, …). Both loads are a
 * returning visitor's: a first GET makes the session and CSRF cookies
 * (checked as welcome-page checks them), every request sends them; the
 * POST also sends the form's token. A sample POST is checked before its
 * load (302 to /, a re-signed session cookie, then the greeting on a GET);
 * during the load every GET must be a 200 with the page's h1 and every
 * POST a 302 with an empty body, warm-ups included.
 */
import { randomBytes } from 'node:crypto';
import { alternating, cpuProfArgs, get, load, loadWithCpu, post, withServer } from './lib/harness.js';
import { generatedProjectWithProgress, projectLine, projectRecord, projectServer } from './lib/project.js';
import { LOAD_HEAD, loadAverageAtStart, loadCells, loadMeans, loadNote, loadParams, machineLine, markdownTable, perRun, ratios, resultHead, textTable } from './lib/report.js';
import { cookieValue, H1, prepareWelcome, wrong } from './welcome-page.js';

export const name = 'welcome-form';
export const description =
  "tsgate serve, the generated project's welcome form POST (CSRF, form binding and validation, session, redirect) vs the welcome page's GET, same server setup, 2 workers, keep-alive";

const WORKERS = 2;
const BAR = 0.8;
const NAME = 'Ada Lovelace';

/**
 * @typedef {object} Prepared
 * @property {{ method?: 'POST', body?: string, headers: Record<string, string> }} request  sent with every request of the load
 * @property {string} check  what was checked on a sample
 *
 * @typedef {object} Spec
 * @property {'get' | 'post'} id
 * @property {string} label
 * @property {string} path
 * @property {number} status  every response of the load must have it
 * @property {(url: string) => Promise<Prepared>} prepare
 * @property {(body: string) => boolean} verifyBody
 *
 * @typedef {import('./lib/harness.js').LoadResult & { round: number, order: number, serverCpuUsPerRequest: number | null, wrong: number }} RunRecord
 *
 * @typedef {ReturnType<typeof loadMeans> & { label: string, path: string, totalRequests: number, wrong: number, clean: boolean, check: string, runs: RunRecord[] }} Summary
 */

/** @param {string} url */
async function prepareGet(url) {
  const { headers } = await prepareWelcome(url);
  return { request: { headers }, check: '200, the h1, the cookie’s CSRF token in the form, the session counter, a re-signed session cookie, the security headers' };
}

/** @param {string} url  the server's root */
async function preparePost(url) {
  const { headers } = await prepareWelcome(url);
  const token = /(?:^|; )csrftoken=([^;]+)/.exec(headers.cookie ?? '')?.[1] ?? '';
  const body = new URLSearchParams({ name: NAME, csrfmiddlewaretoken: token }).toString();
  const request = { method: /** @type {const} */ ('POST'), body, headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' } };
  const sample = await post(new URL('hello/', url).href, body, request.headers);
  const session = cookieValue(sample.setCookies, 'sessionid');
  if (sample.status !== 302 || sample.headers.location !== '/' || sample.body !== '' || !session) {
    throw wrong('welcome-form: the sample POST /hello/ is not a 302 to / with an empty body and a re-signed session cookie', sample);
  }
  const after = await get(url, { cookie: `sessionid=${session}; csrftoken=${token}` });
  if (!after.body.includes(`Hello, ${NAME}!`)) throw wrong('welcome-form: after the sample POST, GET / does not greet by name', after);
  return { request, check: '302 to /, empty body, a re-signed session cookie; GET / then greets by name' };
}

/** @type {Spec[]} */
const SPECS = [
  { id: 'get', label: 'GET / (welcome page)', path: '', status: 200, prepare: prepareGet, verifyBody: (body) => body.includes(H1) },
  { id: 'post', label: 'POST /hello/ (form, valid name)', path: 'hello/', status: 302, prepare: preparePost, verifyBody: (body) => body === '' },
];

/**
 * @param {import('./lib/harness.js').LoadResult} result
 * @param {number} status
 */
// autocannon counts timeouts among its errors.
const wrongCount = (result, status) => result.totalRequests - (result.statusCodes[String(status)] ?? 0) + result.mismatches + result.errors;

/**
 * One measured run on a fresh server.
 *
 * @param {Spec} spec
 * @param {ReturnType<typeof projectServer>} server
 * @param {import('./lib/harness.js').BenchOptions} options
 * @param {{ index: number, total: number, round: number }} at
 * @returns {Promise<RunRecord & { check: string }>}
 */
function measure(spec, server, options, at) {
  process.stderr.write(`  [${at.index}/${at.total}] ${spec.id}: starting… `);
  const start = { ...server.start, execArgv: cpuProfArgs(options.cpuProf, `${name}-${spec.id}-${at.index}`) };
  return withServer(start, spec.id, async (running) => {
    const { request, check } = await spec.prepare(running.url);
    const url = new URL(spec.path, running.url).href;
    const params = { connections: options.connections, pipelining: options.pipelining, ...request, verifyBody: spec.verifyBody };
    let warmupWrong = 0;
    if (options.warmup > 0) {
      process.stderr.write(`warm-up ${options.warmup} s… `);
      warmupWrong = wrongCount(await load(url, { ...params, duration: options.warmup }), spec.status);
    }
    process.stderr.write(`load ${options.duration} s… `);
    const { result, serverCpuUsPerRequest } = await loadWithCpu({ ...running, url }, { ...params, duration: options.duration });
    const bad = wrongCount(result, spec.status) + warmupWrong;
    process.stderr.write(`${loadNote(result, serverCpuUsPerRequest)}${bad > 0 ? `; ${bad} not a ${spec.status} with the expected body, status codes ${JSON.stringify(result.statusCodes)}` : ''}\n`);
    return { ...result, round: at.round, order: at.index, serverCpuUsPerRequest, wrong: bad, check };
  });
}

/**
 * @param {import('./lib/harness.js').BenchOptions} options
 */
export async function run(options) {
  const rounds = Math.max(1, options.rounds ?? 2);
  const loadAverage = loadAverageAtStart();
  const project = await generatedProjectWithProgress();
  const server = projectServer(project, WORKERS, {
    NODE_ENV: 'production',
    DEBUG: 'false',
    SECRET_KEY: randomBytes(64).toString('base64url'),
    ALLOWED_HOSTS: '127.0.0.1',
    SECURE_SSL_REDIRECT: 'false',
    SESSION_COOKIE_SECURE: 'false',
    CSRF_COOKIE_SECURE: 'false',
  });
  const order = alternating(SPECS, rounds);
  /** @type {Record<string, (RunRecord & { check: string })[]>} */
  const runs = { get: [], post: [] };
  for (const [i, spec] of order.entries()) {
    runs[spec.id]?.push(await measure(spec, server, options, { index: i + 1, total: order.length, round: Math.floor(i / SPECS.length) + 1 }));
  }
  /** @type {Record<string, Summary>} */
  const summaries = {};
  for (const spec of SPECS) {
    const list = runs[spec.id] ?? [];
    const wrongTotal = list.reduce((n, r) => n + r.wrong, 0);
    summaries[spec.id] = {
      label: spec.label,
      path: `/${spec.path}`,
      ...loadMeans(list),
      totalRequests: list.reduce((n, r) => n + r.totalRequests, 0),
      wrong: wrongTotal,
      clean: list.length > 0 && wrongTotal === 0,
      check: list[0]?.check ?? '',
      runs: list,
    };
  }
  const getSummary = /** @type {Summary} */ (summaries.get);
  const postSummary = /** @type {Summary} */ (summaries.post);
  const compared = ratios(postSummary, getSummary);
  return {
    ...resultHead(name, description, loadAverage),
    params: { ...loadParams(options, WORKERS, rounds), keepAlive: true },
    project: projectRecord(project),
    command: server.command,
    order: order.map((s) => s.id),
    servers: summaries,
    ...compared,
    bar: BAR,
    pass: compared.ratio >= BAR && getSummary.clean && postSummary.clean,
  };
}

/** @typedef {Awaited<ReturnType<typeof run>>} WelcomeFormResult */

const HEAD = ['request', ...LOAD_HEAD, 'requests', 'wrong status/body or failed', 'per run req/s (p99 ms)'];

/** @param {WelcomeFormResult} result */
const rows = (result) => Object.values(result.servers).map((s) => [s.label, ...loadCells(s), s.totalRequests, s.wrong, perRun(s.runs)]);

/** @param {WelcomeFormResult} result */
function verdict(result) {
  const dirty = Object.values(result.servers).every((s) => s.clean) ? '' : ' (some responses had the wrong status or body, or failed)';
  const cpu = result.cpuRatio === null ? '' : `; server CPU/request GET ÷ POST ${result.cpuRatio}`;
  return `form POST ÷ page GET req/s: ${result.ratio} (bar ≥ ${result.bar}): ${result.pass ? 'PASS' : 'FAIL'}${dirty}${cpu}`;
}

/** @param {WelcomeFormResult} result */
export function summary(result) {
  return `${textTable(HEAD, rows(result))}\n\n${verdict(result)}`;
}

/** @param {WelcomeFormResult} result */
export function markdown(result) {
  const p = result.params;
  const checks = Object.values(result.servers)
    .map((s) => `- ${s.label}: ${s.check}`)
    .join('\n');
  return `# welcome-form

${result.description}.

**${verdict(result)}** — issue 16: the welcome page's form POST (validation + session + redirect) at ≥ ${result.bar}× the GET's requests/s in the same run.

- date: ${result.date}
- ${machineLine(result)}, load average ${result.loadAverage.join(' / ')} at start, ${result.loadAverageEnd.join(' / ')} at end
- load: ${p.tool}, keep-alive, ${p.connections} connections, pipelining ${p.pipelining}, ${p.duration} s per run after ${p.warmup} s warm-up; ${p.workers} workers
- ${p.rounds} run${p.rounds === 1 ? '' : 's'} of each, a fresh server per run, order ${result.order.join(' → ')}; figures are means over the runs
- generated project: ${projectLine(result.project)}; \`${result.command}\` with NODE_ENV=production, DEBUG=false, a random SECRET_KEY, ALLOWED_HOSTS=127.0.0.1

${markdownTable(HEAD, rows(result))}

Checked on a sample before each load:
${checks}

Every request of the load sends the returning visitor's \`sessionid\` and \`csrftoken\` cookies; the POST sends \`name=${encodeURIComponent(NAME)}&csrfmiddlewaretoken=…\`. During the loads (warm-ups included) every GET must be a 200 with the page's h1 and every POST a 302 with an empty body; "wrong status/body or failed" counts the others. Load generator and server share the machine.
`;
}
