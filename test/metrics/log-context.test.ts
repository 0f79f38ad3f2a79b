/**
 * A request's ids on every JSON log line written while it is served: a
 * view that logs, awaits a database query and logs again; the access log
 * line; the 500's line. With a caller's `traceparent` the lines carry its
 * trace id, without one an id of the request's own, the same on all of its
 * lines; two requests in flight at once never swap ids. Node 20 follows the
 * context synchronously (AsyncLocalStorage costs every promise there:
 * logging/context.ts), so after an await only `request.log` has the ids,
 * unless TSGATE_LOG_CONTEXT=async.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LOG_CONTEXT_MODE, Logger, withLogContext, workerExecArgv } from '../../src/runtime/logging/index.js';
import { getStatus } from '../helpers/http.js';
import { serveMetricsProject, type MetricsProject } from './project.js';

const FIRST = '4bf92f3577b34da6a3ce929d0e0e4736';
const SECOND = '0af7651916cd43dd8448eb211c80319c';

/** `logged/?n=1` waits, after its first lines, until `?n=2` has come and gone: the two are in flight at once. */
const URLS = `import { path, text } from 'tsgate/http';
import { db, sql } from 'tsgate/db';
import { logger } from 'tsgate/logging';
let release;
const gate = new Promise((resolve) => (release = resolve));
export const urlpatterns = [
  path('logged/', async (request) => {
    const n = request.query.get('n');
    logger.info('global before', { n });
    request.log.info('bound before', { n });
    if (n === '1') await gate;
    const answer = (await sql\`select 41 + 1 as answer\`.execute(db)).rows[0].answer;
    logger.info('global after', { n });
    request.log.info('bound after', { n });
    if (n === '2') release();
    return text(String(answer));
  }, { name: 'logged' }),
  path('boom/', () => { throw new Error('boom'); }, { name: 'boom' }),
];
`;

let project: MetricsProject | undefined;
afterEach(() => {
  project?.stop();
  project = undefined;
});

type Line = Record<string, string | number | undefined>;

function lines(output: string): Line[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Line);
}

async function serve(env: NodeJS.ProcessEnv = {}): Promise<MetricsProject> {
  return serveMetricsProject(1, ['--access-logfile', '-', '--access-log-json'], env, { 'shop/urls.js': URLS });
}

/** Sends ?n=1 (with FIRST's traceparent) and ?n=2 (with SECOND's) so that they overlap, then ?n=3 without one; returns the log lines. */
async function exchange(p: MetricsProject): Promise<Line[]> {
  const first = getStatus(p.port, '/logged/?n=1', { traceparent: `00-${FIRST}-00f067aa0ba902b7-01` });
  await p.server.waitFor(/"message":"bound before"[^\n]*"n":"1"/);
  const second = getStatus(p.port, '/logged/?n=2', { traceparent: `00-${SECOND}-b7ad6b7169203331-01` });
  expect(await Promise.all([first, second])).toEqual([200, 200]);
  expect(await getStatus(p.port, '/logged/?n=3')).toBe(200);
  await p.server.waitFor(/"path":"\/logged\/"[^\n]*"query":"n=3"/);
  return lines(p.server.output);
}

const find = (all: Line[], message: string, n: string) => all.find((line) => line.message === message && line.n === n);
const access = (all: Line[], n: string) => all.find((line) => line.path === '/logged/' && line.query === `n=${n}`);

describe('log lines of a request', () => {
  it('carry its trace id from traceparent, or one of its own, on the app\'s lines before and after an await and on the access log', async () => {
    project = await serve();
    const all = await exchange(project);
    for (const [n, trace] of [['1', FIRST], ['2', SECOND]] as const) {
      const before = find(all, 'bound before', n);
      expect(before).toMatchObject({ trace_id: trace, request_id: trace });
      expect(before?.span_id).toMatch(/^[0-9a-f]{16}$/);
      // The same ids on every line of the request, the access log's too.
      for (const line of [find(all, 'global before', n), find(all, 'bound after', n), access(all, n)]) {
        expect(line).toMatchObject({ trace_id: trace, span_id: before?.span_id, request_id: trace });
      }
    }
    // No traceparent: a trace id of its own, shared by its lines.
    const own = find(all, 'bound after', '3');
    expect(own?.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(own?.trace_id).not.toBe(FIRST);
    expect(access(all, '3')).toMatchObject({ trace_id: own?.trace_id, span_id: own?.span_id, request_id: own?.trace_id });
    expect(find(all, 'global before', '3')).toMatchObject({ trace_id: own?.trace_id });
    // After an await, node 20's plain logger has no request (never another request's ids); node 22's
    // workers are started with AsyncContextFrame and node 24's have it, so theirs keeps the request's.
    const workersFollowAwaits = LOG_CONTEXT_MODE === 'async' || workerExecArgv([]).length > 0;
    for (const [n, trace] of [['1', FIRST], ['2', SECOND]] as const) {
      expect(find(all, 'global after', n)?.trace_id).toBe(workersFollowAwaits ? trace : undefined);
    }

    // A 500: its log line, its page's request id and its access log line agree.
    expect(await getStatus(project.port, '/boom/', { traceparent: `00-${FIRST}-00f067aa0ba902b7-01` })).toBe(500);
    await project.server.waitFor(/"path":"\/boom\/"[^\n]*"status":500/);
    // The error line goes to stderr, the access line to stdout: either may be read first.
    await project.server.waitFor(/"message":"Internal Server Error"[^\n]*\n/);
    const after = lines(project.server.output);
    const failed = after.find((line) => line.message === 'Internal Server Error');
    expect(failed).toMatchObject({ trace_id: FIRST, request_id: FIRST });
    expect(after.find((line) => line.path === '/boom/' && line.status === 500)).toMatchObject({ trace_id: FIRST, span_id: failed?.span_id });
  }, 90_000);

  it('follow every await for the plain logger too with TSGATE_LOG_CONTEXT=async', async () => {
    project = await serve({ TSGATE_LOG_CONTEXT: 'async' });
    const all = await exchange(project);
    for (const [n, trace] of [['1', FIRST], ['2', SECOND]] as const) {
      const span = find(all, 'bound before', n)?.span_id;
      expect(find(all, 'global after', n)).toMatchObject({ trace_id: trace, span_id: span });
    }
    expect(find(all, 'global after', '3')?.trace_id).toBe(find(all, 'bound after', '3')?.trace_id);
  }, 90_000);
});

describe('Logger and the log context', () => {
  const written = () => {
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    return () => {
      const text = spy.mock.calls.map((call) => String(call[0])).join('');
      spy.mockRestore();
      return text.split('\n').filter(Boolean);
    };
  };

  it('puts the context\'s fields on JSON lines, under the line\'s own; a bound logger after any await', async () => {
    const log = new Logger({ level: 'info', json: true });
    const read = written();
    const bound = log.bound(() => ({ request_id: 'r2', trace_id: 't2' }));
    await withLogContext(() => ({ request_id: 'r1', trace_id: 't1' }), async () => {
      log.info('inside', { trace_id: 'given' });
      await new Promise((resolve) => setImmediate(resolve));
      bound.info('bound');
    });
    log.info('outside');
    const [inside, boundLine, outside] = read().map((line) => JSON.parse(line) as Record<string, string>);
    expect(inside).toMatchObject({ message: 'inside', request_id: 'r1', trace_id: 'given' });
    expect(boundLine).toMatchObject({ message: 'bound', request_id: 'r2', trace_id: 't2' });
    expect(outside?.request_id).toBeUndefined();
  });

  it('keeps readable lines short: no ids', () => {
    const log = new Logger({ level: 'info', json: false });
    const read = written();
    withLogContext(() => ({ request_id: 'r1' }), () => log.info('dev'));
    expect(read()[0]).toMatch(/INFO dev$/);
  });

  it('starts server workers with AsyncContextFrame where node has the flag but not by default (node 22)', () => {
    const flag = '--experimental-async-context-frame';
    const node22 = new Set([flag, '--max-old-space-size']);
    expect(workerExecArgv(['--enable-source-maps'], false, node22)).toEqual(['--enable-source-maps', flag]);
    expect(workerExecArgv([flag], false, node22)).toEqual([flag]);
    expect(workerExecArgv([], true, node22)).toEqual([]); // node 24: already the default
    expect(workerExecArgv(['--inspect'], false, new Set(['--inspect']))).toEqual(['--inspect']); // node 20: no such flag
  });

  it('follows the request synchronously on node 20, where AsyncLocalStorage hooks every promise', () => {
    const major = Number(process.versions.node.split('.')[0]);
    expect(LOG_CONTEXT_MODE).toBe(major >= 24 ? 'async' : process.env.TSGATE_LOG_CONTEXT === 'async' ? 'async' : 'sync');
  });
});
