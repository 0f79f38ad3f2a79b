// @ts-check
/**
 * Issue 17's figures: a `loginRequired` page with a database session
 * (GET /account/ of the generated project's example app: the session row
 * read, the user read, a template) must reach ≥ 0.8× the requests/s of the
 * welcome page (GET /: template, the session updated, one UPDATE and one
 * SELECT on SQLite) in the same run; and login POSTs/s (POST
 * /accounts/login/ with the right password: CSRF, the form, one argon2id
 * verification at the shipped parameters, a new session row) are reported.
 *
 * The generated project is served as in production (`serve --workers 2`,
 * NODE_ENV=production, DEBUG=false), a fresh server per measured run, the
 * order alternating per round. Its user is made with `createsuperuser
 * --noinput` (a new one each run: the project is cached). Every response of a load is checked: the welcome page a 200
 * with its h1, the account page a 200 naming the user, a login a 302 with
 * an empty body. The login load uses at most 8 connections: each request
 * costs one ~80 ms hash, and more would only queue.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { alternating, cpuProfArgs, get, load, loadWithCpu, post, withServer } from './lib/harness.js';
import { generatedProjectWithProgress, projectLine, projectRecord, projectServer } from './lib/project.js';
import { LOAD_HEAD, loadAverageAtStart, loadCells, loadMeans, loadNote, loadParams, machineLine, markdownTable, perRun, ratios, resultHead, textTable } from './lib/report.js';
import { cookieValue, H1, prepareWelcome, wrong } from './welcome-page.js';

export const name = 'auth-pages';
export const description =
  "tsgate serve, the generated project's loginRequired /account/ page on a database session vs its welcome page, and login POSTs/s with the shipped argon2id parameters, 2 workers, keep-alive";

const WORKERS = 2;
const BAR = 0.8;
// A new user each run: the project is cached between runs, and a user made by an earlier one has another password.
const EMAIL = `bench-${randomBytes(6).toString('hex')}@example.com`;
const PASSWORD = randomBytes(12).toString('base64url');
const LOGIN_CONNECTIONS = 8;

/**
 * @typedef {object} Prepared
 * @property {{ method?: 'POST', body?: string, headers: Record<string, string> }} request
 * @property {string} check
 *
 * @typedef {object} Spec
 * @property {'welcome' | 'account' | 'login'} id
 * @property {string} label
 * @property {string} path
 * @property {number} status
 * @property {(url: string) => Promise<Prepared>} prepare
 * @property {(body: string) => boolean} verifyBody
 *
 * @typedef {import('./lib/harness.js').LoadResult & { round: number, order: number, serverCpuUsPerRequest: number | null, wrong: number }} RunRecord
 */

/** @param {string} url */
async function csrfCookie(url) {
  const page = await get(new URL('accounts/login/', url).href);
  const token = cookieValue(page.setCookies, 'csrftoken');
  if (page.status !== 200 || !token) throw wrong('auth-pages: GET /accounts/login/ did not answer 200 with a csrftoken cookie', page);
  return token;
}

/** @param {string} token */
function loginRequest(token) {
  const body = new URLSearchParams({ email: EMAIL, password: PASSWORD, csrfmiddlewaretoken: token }).toString();
  return { method: /** @type {const} */ ('POST'), body, headers: { cookie: `csrftoken=${token}`, 'content-type': 'application/x-www-form-urlencoded' } };
}

/** @param {string} url */
async function prepareLogin(url) {
  const token = await csrfCookie(url);
  const request = loginRequest(token);
  const sample = await post(new URL('accounts/login/', url).href, request.body, request.headers);
  if (sample.status !== 302 || sample.headers.location !== '/' || sample.body !== '' || !cookieValue(sample.setCookies, 'sessionid')) {
    throw wrong('auth-pages: the sample login is not a 302 to / with an empty body and a session cookie', sample);
  }
  return { request, check: '302 to /, empty body, a new sessionid cookie' };
}

/** @param {string} url */
async function prepareAccount(url) {
  const token = await csrfCookie(url);
  const request = loginRequest(token);
  const login = await post(new URL('accounts/login/', url).href, request.body, request.headers);
  const session = cookieValue(login.setCookies, 'sessionid');
  if (login.status !== 302 || !session) throw wrong('auth-pages: login before the account load failed', login);
  const headers = { cookie: `sessionid=${session}; csrftoken=${token}` };
  const page = await get(new URL('account/', url).href, headers);
  if (page.status !== 200 || !page.body.includes(EMAIL) || cookieValue(page.setCookies, 'sessionid') !== undefined) {
    throw wrong('auth-pages: GET /account/ logged in is not a 200 naming the user without a new session cookie', page);
  }
  const visitor = await get(new URL('account/', url).href, { cookie: `csrftoken=${token}` });
  if (visitor.status !== 302) throw wrong('auth-pages: GET /account/ without a session is not a redirect to login', visitor);
  return { request: { headers }, check: '200 naming the user, no new session cookie; without the session a 302 to login' };
}

/** @param {string} url */
async function prepareWelcomePage(url) {
  const { headers } = await prepareWelcome(url);
  return { request: { headers }, check: "welcome-page's checks: 200, the h1, the CSRF token, the session counter, the security headers" };
}

/** @type {Spec[]} */
const SPECS = [
  { id: 'welcome', label: 'GET / (welcome page)', path: '', status: 200, prepare: prepareWelcomePage, verifyBody: (body) => body.includes(H1) },
  { id: 'account', label: 'GET /account/ (loginRequired, db session)', path: 'account/', status: 200, prepare: prepareAccount, verifyBody: (body) => body.includes(EMAIL) },
  { id: 'login', label: 'POST /accounts/login/ (argon2id)', path: 'accounts/login/', status: 302, prepare: prepareLogin, verifyBody: (body) => body === '' },
];

/** @param {import('./lib/harness.js').LoadResult} result @param {number} status */
const wrongCount = (result, status) => result.totalRequests - (result.statusCodes[String(status)] ?? 0) + result.mismatches + result.errors;

/**
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
    const connections = spec.id === 'login' ? Math.min(options.connections, LOGIN_CONNECTIONS) : options.connections;
    const params = { connections, pipelining: options.pipelining, ...request, verifyBody: spec.verifyBody };
    let warmupWrong = 0;
    if (options.warmup > 0) {
      process.stderr.write(`warm-up ${options.warmup} s… `);
      warmupWrong = wrongCount(await load(url, { ...params, duration: options.warmup }), spec.status);
    }
    process.stderr.write(`load ${options.duration} s… `);
    const { result, serverCpuUsPerRequest } = await loadWithCpu({ ...running, url }, { ...params, duration: options.duration });
    const bad = wrongCount(result, spec.status) + warmupWrong;
    process.stderr.write(`${loadNote(result, serverCpuUsPerRequest)}${bad > 0 ? `; ${bad} wrong, status codes ${JSON.stringify(result.statusCodes)}` : ''}\n`);
    return { ...result, round: at.round, order: at.index, serverCpuUsPerRequest, wrong: bad, check };
  });
}

/** @param {{ dir: string }} project */
function ensureUser(project) {
  const made = spawnSync(process.execPath, [join(project.dir, 'dist', 'manage.js'), 'createsuperuser', '--noinput'], {
    cwd: project.dir,
    env: { ...process.env, TSGATE_SUPERUSER_EMAIL: EMAIL, TSGATE_SUPERUSER_PASSWORD: PASSWORD },
    encoding: 'utf8',
  });
  if (made.status !== 0) throw new Error(`auth-pages: createsuperuser --noinput failed: ${made.stderr}`);
}

/** @param {import('./lib/harness.js').BenchOptions} options */
export async function run(options) {
  const rounds = Math.max(1, options.rounds ?? 2);
  const loadAverage = loadAverageAtStart();
  const project = await generatedProjectWithProgress();
  ensureUser(project);
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
  const runs = { welcome: [], account: [], login: [] };
  for (const [i, spec] of order.entries()) {
    runs[spec.id]?.push(await measure(spec, server, options, { index: i + 1, total: order.length, round: Math.floor(i / SPECS.length) + 1 }));
  }
  /** @param {Spec} spec */
  const summarize = (spec) => {
    const list = runs[spec.id] ?? [];
    const wrongTotal = list.reduce((n, r) => n + r.wrong, 0);
    return { label: spec.label, path: `/${spec.path}`, ...loadMeans(list), totalRequests: list.reduce((n, r) => n + r.totalRequests, 0), wrong: wrongTotal, clean: list.length > 0 && wrongTotal === 0, check: list[0]?.check ?? '', runs: list };
  };
  const [welcome, account, login] = SPECS.map(summarize);
  if (!welcome || !account || !login) throw new Error('auth-pages: a request kind was not measured');
  const summaries = { welcome, account, login };
  const compared = ratios(account, welcome);
  return {
    ...resultHead(name, description, loadAverage),
    params: { ...loadParams(options, WORKERS, rounds), keepAlive: true, loginConnections: Math.min(options.connections, LOGIN_CONNECTIONS) },
    project: projectRecord(project),
    command: server.command,
    order: order.map((s) => s.id),
    servers: summaries,
    loginsPerSec: login.requestsPerSec,
    ...compared,
    bar: BAR,
    pass: compared.ratio >= BAR && Object.values(summaries).every((s) => s.clean),
  };
}

/** @typedef {Awaited<ReturnType<typeof run>>} AuthPagesResult */

const HEAD = ['request', ...LOAD_HEAD, 'requests', 'wrong or failed', 'per run req/s (p99 ms)'];

/** @param {AuthPagesResult} result */
const rows = (result) => Object.values(result.servers).map((s) => [s.label, ...loadCells(s), s.totalRequests, s.wrong, perRun(s.runs)]);

/** @param {AuthPagesResult} result */
function verdict(result) {
  const dirty = Object.values(result.servers).every((s) => s.clean) ? '' : ' (some responses were wrong, or failed)';
  return `loginRequired page ÷ welcome page req/s: ${result.ratio} (bar ≥ ${result.bar}): ${result.pass ? 'PASS' : 'FAIL'}${dirty}; logins/s ${result.loginsPerSec} on ${result.params.loginConnections} connections`;
}

/** @param {AuthPagesResult} result */
export function summary(result) {
  return `${textTable(HEAD, rows(result))}\n\n${verdict(result)}`;
}

/** @param {AuthPagesResult} result */
export function markdown(result) {
  const p = result.params;
  const checks = Object.values(result.servers)
    .map((s) => `- ${s.label}: ${s.check}`)
    .join('\n');
  return `# auth-pages

${result.description}.

**${verdict(result)}** — issue 17: requests to a \`loginRequired\` page with a database session at ≥ ${result.bar}× the welcome page's in the same run; login POSTs/s with the tuned hash reported.

- date: ${result.date}
- ${machineLine(result)}, load average ${result.loadAverage.join(' / ')} at start, ${result.loadAverageEnd.join(' / ')} at end
- load: ${p.tool}, keep-alive, ${p.connections} connections (login: ${p.loginConnections}), pipelining ${p.pipelining}, ${p.duration} s per run after ${p.warmup} s warm-up; ${p.workers} workers
- ${p.rounds} run${p.rounds === 1 ? '' : 's'} of each, a fresh server per run, order ${result.order.join(' → ')}; figures are means over the runs
- generated project: ${projectLine(result.project)}; \`${result.command}\` with NODE_ENV=production, DEBUG=false, a random SECRET_KEY, ALLOWED_HOSTS=127.0.0.1

${markdownTable(HEAD, rows(result))}

Checked on a sample before each load:
${checks}

Load generator and server share the machine.
`;
}
