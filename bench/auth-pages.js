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
import { get } from './lib/harness.js';
import { loggedInVisitor, measureAlternating, returningVisitor, summarize } from './lib/page-loads.js';
import { generatedProjectWithProgress, projectLine, projectRecord, projectServer } from './lib/project.js';
import { LOAD_HEAD, loadAverageAtStart, loadCells, loadParams, markdownTable, perRun, ratios, reportHeader, resultHead, textTable } from './lib/report.js';
import { cookieValue, H1, wrong } from './welcome-page.js';

export const name = 'auth-pages';
export const description =
  "tsgate serve, the generated project's loginRequired /account/ page on a database session vs its welcome page, and login POSTs/s with the shipped argon2id parameters, 2 workers, keep-alive";

const WORKERS = 2;
const BAR = 0.8;
// A new user each run: the project is cached between runs, and a user made by an earlier one has another password.
const EMAIL = `bench-${randomBytes(6).toString('hex')}@example.com`;
const PASSWORD = randomBytes(12).toString('base64url');
const LOGIN_CONNECTIONS = 8;

/** @param {string} url */
const login = (url) => loggedInVisitor(url, { email: EMAIL, password: PASSWORD, bench: name });

/** @param {string} url */
async function prepareLogin(url) {
  // Each load request logs in again with the form's CSRF cookie and token; a sample was checked by loggedInVisitor.
  const { login: request } = await login(url);
  return { request, check: '302 to /, empty body, a new sessionid cookie' };
}

/** @param {string} url */
async function prepareAccount(url) {
  const { headers, token } = await login(url);
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
  const { headers } = await returningVisitor(url);
  return { request: { headers }, check: "welcome-page's checks: 200, the h1, the CSRF token, the session counter, the security headers" };
}

/** @type {import('./lib/page-loads.js').Spec[]} */
const SPECS = [
  { id: 'welcome', label: 'GET / (welcome page)', path: '', status: 200, prepare: prepareWelcomePage, verifyBody: (body) => body.includes(H1) },
  { id: 'account', label: 'GET /account/ (loginRequired, db session)', path: 'account/', status: 200, prepare: prepareAccount, verifyBody: (body) => body.includes(EMAIL) },
  { id: 'login', label: 'POST /accounts/login/ (argon2id)', path: 'accounts/login/', status: 302, prepare: prepareLogin, verifyBody: (body) => body === '', maxConnections: LOGIN_CONNECTIONS },
];

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
  // Every kind in this one invocation, on fresh servers in alternating order: the ratio compares runs made side by side.
  const { order, runs } = await measureAlternating(name, SPECS, server, options, rounds);
  const [welcome, account, logins] = SPECS.map((spec) => summarize(spec, runs.get(spec.id) ?? []));
  if (!welcome || !account || !logins) throw new Error('auth-pages: a request kind was not measured');
  const summaries = { welcome, account, login: logins };
  const compared = ratios(account, welcome);
  return {
    ...resultHead(name, description, loadAverage),
    params: { ...loadParams(options, WORKERS, rounds), keepAlive: true, loginConnections: Math.min(options.connections, LOGIN_CONNECTIONS) },
    project: projectRecord(project),
    command: server.command,
    order,
    servers: summaries,
    loginsPerSec: logins.requestsPerSec,
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

${reportHeader(result, { load: { params: p, order: result.order, connections: ` (login: ${p.loginConnections})` } })}
- generated project: ${projectLine(result.project)}; \`${result.command}\` with NODE_ENV=production, DEBUG=false, a random SECRET_KEY, ALLOWED_HOSTS=127.0.0.1

${markdownTable(HEAD, rows(result))}

Checked on a sample before each load:
${checks}

Load generator and server share the machine.
`;
}
