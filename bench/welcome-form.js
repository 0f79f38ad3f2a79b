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
import { get, post } from './lib/harness.js';
import { measureAlternating, returningVisitor, summarize } from './lib/page-loads.js';
import { generatedProjectWithProgress, projectLine, projectRecord, projectServer } from './lib/project.js';
import { LOAD_HEAD, loadAverageAtStart, loadCells, loadParams, markdownTable, perRun, ratios, reportHeader, resultHead, textTable } from './lib/report.js';
import { cookieValue, H1, wrong } from './welcome-page.js';

export const name = 'welcome-form';
export const description =
  "tsgate serve, the generated project's welcome form POST (CSRF, form binding and validation, session, redirect) vs the welcome page's GET, same server setup, 2 workers, keep-alive";

const WORKERS = 2;
const BAR = 0.8;
const NAME = 'Ada Lovelace';

/** @param {string} url */
async function prepareGet(url) {
  const { headers } = await returningVisitor(url);
  return { request: { headers }, check: '200, the h1, the cookie’s CSRF token in the form, the session counter, a re-signed session cookie, the security headers' };
}

/** @param {string} url  the server's root */
async function preparePost(url) {
  const { headers, token } = await returningVisitor(url);
  const body = new URLSearchParams({ name: NAME, csrfmiddlewaretoken: token }).toString();
  /** @type {import('./lib/page-loads.js').LoadRequest} */
  const request = { method: 'POST', body, headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' } };
  const sample = await post(new URL('hello/', url).href, body, request.headers);
  const session = cookieValue(sample.setCookies, 'sessionid');
  if (sample.status !== 302 || sample.headers.location !== '/' || sample.body !== '' || !session) {
    throw wrong('welcome-form: the sample POST /hello/ is not a 302 to / with an empty body and a re-signed session cookie', sample);
  }
  const after = await get(url, { cookie: `sessionid=${session}; csrftoken=${token}` });
  if (!after.body.includes(`Hello, ${NAME}!`)) throw wrong('welcome-form: after the sample POST, GET / does not greet by name', after);
  return { request, check: '302 to /, empty body, a re-signed session cookie; GET / then greets by name' };
}

/** @type {import('./lib/page-loads.js').Spec[]} */
const SPECS = [
  { id: 'get', label: 'GET / (welcome page)', path: '', status: 200, prepare: prepareGet, verifyBody: (body) => body.includes(H1) },
  { id: 'post', label: 'POST /hello/ (form, valid name)', path: 'hello/', status: 302, prepare: preparePost, verifyBody: (body) => body === '' },
];

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
  const { order, runs } = await measureAlternating(name, SPECS, server, options, rounds);
  const [getSummary, postSummary] = SPECS.map((spec) => summarize(spec, runs.get(spec.id) ?? []));
  if (!getSummary || !postSummary) throw new Error('welcome-form: a request kind was not measured');
  const summaries = { get: getSummary, post: postSummary };
  const compared = ratios(postSummary, getSummary);
  return {
    ...resultHead(name, description, loadAverage),
    params: { ...loadParams(options, WORKERS, rounds), keepAlive: true },
    project: projectRecord(project),
    command: server.command,
    order,
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

${reportHeader(result, { load: { params: p, order: result.order } })}
- generated project: ${projectLine(result.project)}; \`${result.command}\` with NODE_ENV=production, DEBUG=false, a random SECRET_KEY, ALLOWED_HOSTS=127.0.0.1

${markdownTable(HEAD, rows(result))}

Checked on a sample before each load:
${checks}

Every request of the load sends the returning visitor's \`sessionid\` and \`csrftoken\` cookies; the POST sends \`name=${encodeURIComponent(NAME)}&csrfmiddlewaretoken=…\`. During the loads (warm-ups included) every GET must be a 200 with the page's h1 and every POST a 302 with an empty body; "wrong status/body or failed" counts the others. Load generator and server share the machine.
`;
}
