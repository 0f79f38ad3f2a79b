// @ts-check
/**
 * What the benches that compare request kinds of the generated project in
 * one run share (welcome-form, auth-pages): a visitor's cookies (a first GET
 * of the welcome page, a login), one measured run of a kind on a fresh
 * server (prepare a sample, warm up, load, count the wrong answers), and the
 * means over a kind's runs. Each bench keeps its own kinds and checks.
 */
import { alternating, cpuProfArgs, get, load, loadWithCpu, post, withServer } from './harness.js';
import { loadMeans, loadNote } from './report.js';
import { cookieValue, prepareWelcome, wrong } from '../welcome-page.js';

/**
 * @typedef {{ method?: 'POST', body?: string, headers: Record<string, string> }} LoadRequest  sent with every request of a load
 *
 * @typedef {object} Prepared
 * @property {LoadRequest} request
 * @property {string} check  what was checked on a sample
 *
 * @typedef {object} Spec  one kind of request
 * @property {string} id
 * @property {string} label
 * @property {string} path  under the server's root
 * @property {number} status  every response of the load must have it
 * @property {(url: string) => Promise<Prepared>} prepare
 * @property {(body: string) => boolean} verifyBody
 * @property {number} [maxConnections]  fewer connections than the run's (a login: each costs one slow hash)
 *
 * @typedef {import('./harness.js').LoadResult & { round: number, order: number, serverCpuUsPerRequest: number | null, wrong: number, check: string }} RunRecord
 */

/**
 * The answers of a load that were not `status` with the expected body, or failed (autocannon counts timeouts among its errors).
 * @param {import('./harness.js').LoadResult} result @param {number} status
 */
export const wrongCount = (result, status) => result.totalRequests - (result.statusCodes[String(status)] ?? 0) + result.mismatches + result.errors;

/**
 * A returning visitor of the welcome page: its `sessionid` and `csrftoken` cookies (checked as welcome-page checks them) and the CSRF token.
 * @param {string} url  the server's root
 */
export async function returningVisitor(url) {
  const { headers } = await prepareWelcome(url);
  const token = /(?:^|; )csrftoken=([^;]+)/.exec(headers.cookie ?? '')?.[1] ?? '';
  return { headers, token };
}

/**
 * A visitor logged in by a real POST /accounts/login/: the form's request (to load logins with) and the cookies of the new session.
 * @param {string} url  the server's root
 * @param {{ email: string, password: string, bench: string }} user
 */
export async function loggedInVisitor(url, user) {
  const page = await get(new URL('accounts/login/', url).href);
  const token = cookieValue(page.setCookies, 'csrftoken');
  if (page.status !== 200 || !token) throw wrong(`${user.bench}: GET /accounts/login/ did not answer 200 with a csrftoken cookie`, page);
  const body = new URLSearchParams({ email: user.email, password: user.password, csrfmiddlewaretoken: token }).toString();
  /** @type {LoadRequest} */
  const login = { method: 'POST', body, headers: { cookie: `csrftoken=${token}`, 'content-type': 'application/x-www-form-urlencoded' } };
  const answer = await post(new URL('accounts/login/', url).href, body, login.headers);
  const session = cookieValue(answer.setCookies, 'sessionid');
  if (answer.status !== 302 || answer.headers.location !== '/' || answer.body !== '' || !session) {
    throw wrong(`${user.bench}: the login is not a 302 to / with an empty body and a session cookie`, answer);
  }
  return { login, token, headers: { cookie: `sessionid=${session}; csrftoken=${token}` } };
}

/**
 * One measured run of `spec` on a fresh server: its sample checked, the warm-up and the load, every answer checked.
 *
 * @param {string} bench  the bench's name (CPU profile file names)
 * @param {Spec} spec
 * @param {{ start: Parameters<typeof withServer>[0] }} server
 * @param {import('./harness.js').BenchOptions} options
 * @param {{ index: number, total: number, round: number }} at
 * @returns {Promise<RunRecord>}
 */
export function measure(bench, spec, server, options, at) {
  process.stderr.write(`  [${at.index}/${at.total}] ${spec.id}: starting… `);
  const start = { ...server.start, execArgv: cpuProfArgs(options.cpuProf, `${bench}-${spec.id}-${at.index}`) };
  return withServer(start, spec.id, async (running) => {
    const { request, check } = await spec.prepare(running.url);
    const url = new URL(spec.path, running.url).href;
    const connections = Math.min(options.connections, spec.maxConnections ?? Infinity);
    const params = { connections, pipelining: options.pipelining, ...request, verifyBody: spec.verifyBody };
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
 * Every kind measured `rounds` times on fresh servers, the order alternating per round; the runs by kind.
 *
 * @param {string} bench
 * @param {Spec[]} specs
 * @param {{ start: Parameters<typeof withServer>[0] }} server
 * @param {import('./harness.js').BenchOptions} options
 * @param {number} rounds
 */
export async function measureAlternating(bench, specs, server, options, rounds) {
  const order = alternating(specs, rounds);
  /** @type {Map<string, RunRecord[]>} */
  const runs = new Map(specs.map((spec) => [spec.id, []]));
  for (const [i, spec] of order.entries()) {
    runs.get(spec.id)?.push(await measure(bench, spec, server, options, { index: i + 1, total: order.length, round: Math.floor(i / specs.length) + 1 }));
  }
  return { order: order.map((spec) => spec.id), runs };
}

/**
 * A kind's means over its runs, with its counts and the check made on its sample.
 * @param {Spec} spec @param {RunRecord[]} list
 */
export function summarize(spec, list) {
  const wrongTotal = list.reduce((n, r) => n + r.wrong, 0);
  const totalRequests = list.reduce((n, r) => n + r.totalRequests, 0);
  return {
    label: spec.label,
    path: `/${spec.path}`,
    ...loadMeans(list),
    totalRequests,
    wrong: wrongTotal,
    // A kind that answered nothing in its loads (logins slower than the run on a busy machine) proves nothing.
    clean: list.length > 0 && wrongTotal === 0 && totalRequests > 0,
    check: list[0]?.check ?? '',
    runs: list,
  };
}

/** @typedef {ReturnType<typeof summarize>} Summary */
