/**
 * `manage serve --metrics-bind` on a real project with two workers: the
 * primary's page sums both workers, exactly; counts survive a worker killed
 * with SIGKILL and a HUP reload; the route label is the URL pattern's name.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { get } from '../helpers/http.js';
import { until } from '../helpers/until.js';
import { sample, serveMetricsProject, type MetricsProject } from './project.js';

let project: MetricsProject | undefined;
afterEach(() => {
  project?.stop();
  project = undefined;
});

const requests = (route: string, status: number, method = 'GET') => `http_requests_total{method="${method}",route="${route}",status="${status}"}`;

async function load(port: number, paths: string[]): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  try {
    await Promise.all(paths.map((path) => get(port, path, { agent })));
  } finally {
    agent.destroy();
  }
}

async function page(p: MetricsProject): Promise<string> {
  const reply = await get(p.metricsPort, '/metrics');
  expect(reply.status).toBe(200);
  expect(reply.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  return reply.body;
}

describe('serve --metrics-bind', () => {
  it('sums every worker exactly, by method, route name and status, with the app\'s own metrics and the database\'s', async () => {
    project = await serveMetricsProject(2);
    const { port } = project;
    await load(port, [
      ...Array<string>(40).fill('/'),
      ...Array.from({ length: 25 }, (_, i) => `/items/${i}/`),
      ...Array<string>(7).fill('/order/'),
      ...Array<string>(5).fill('/db/'),
      ...Array<string>(3).fill('/boom/'),
      ...Array.from({ length: 9 }, (_, i) => `/no/such/path/${i}`),
      '/unnamed/',
      '/churn/',
      '/churn/',
    ]);
    const text = await page(project);
    expect(sample(text, requests('home', 200))).toBe(40);
    // One label for every /items/N/: the route's name, never the path.
    expect(sample(text, requests('item', 200))).toBe(25);
    expect(text).not.toContain('/items/');
    expect(sample(text, requests('order', 200))).toBe(7);
    expect(sample(text, requests('db', 200))).toBe(5);
    expect(sample(text, requests('boom', 500))).toBe(3);
    expect(sample(text, requests('(unmatched)', 404))).toBe(9);
    expect(sample(text, requests('/unnamed/', 200))).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_count{route="item"}')).toBe(25);
    expect(sample(text, 'http_requests_in_flight')).toBe(0);
    expect(sample(text, 'shop_orders_total{plan="pro"}')).toBe(7);
    expect(sample(text, 'db_queries_total{alias="default",outcome="ok"}')).toBeGreaterThanOrEqual(5);
    expect(sample(text, 'db_query_duration_seconds_count{alias="default"}')).toBeGreaterThanOrEqual(5);
    expect(sample(text, 'tsgate_workers')).toBe(2);
    expect(sample(text, 'tsgate_worker_boots_total')).toBe(2);
    expect(text).toMatch(/^tsgate_build_info\{version="[^"]+",project="shop",project_version="1\.2\.3",nodejs="v[\d.]+"\} 1$/m);
    expect(text).toMatch(/^process_resident_memory_bytes\{worker="1"\} \d+$/m);
    expect(text).toMatch(/^process_resident_memory_bytes\{worker="2"\} \d+$/m);
    expect(sample(text, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    // /churn/ allocates ~40 MB of short-lived arrays twice: young-generation collections, each one observation by kind.
    const minor = sample(text, 'nodejs_gc_duration_seconds_count{kind="minor"}');
    expect(minor).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'nodejs_gc_duration_seconds_bucket{kind="minor",le="+Inf"}')).toBe(minor);
    expect(sample(text, 'nodejs_gc_duration_seconds_sum{kind="minor"}')).toBeGreaterThan(0);
    expect(text).not.toContain('nodejs_gc_duration_seconds_count{kind="other"}');
    // Not on the application's port.
    expect((await get(port, '/metrics')).status).toBe(404);
  }, 90_000);

  it('keeps a worker\'s counts when it is killed with SIGKILL, and across a HUP reload', async () => {
    project = await serveMetricsProject(2);
    const { port } = project;
    await load(port, Array<string>(30).fill('/'));
    const first = await page(project);
    expect(sample(first, requests('home', 200))).toBe(30);
    const rss = [...first.matchAll(/^process_resident_memory_bytes\{worker="(\d+)"\}/gm)].map((m) => m[1]);
    expect(rss).toEqual(['1', '2']);

    // SIGKILL: no goodbye from the worker; the primary keeps what it last reported.
    const workers = [...project.server.output.matchAll(/Booting worker with pid: (\d+)/g)].map((m) => Number(m[1]));
    process.kill(workers[0] as number, 'SIGKILL');
    await until('the killed worker is replaced', async () => sample(await page(project!), 'tsgate_worker_boots_total') === 3);
    const afterKill = await page(project);
    expect(sample(afterKill, requests('home', 200))).toBe(30);
    expect(sample(afterKill, 'tsgate_worker_exits_total{reason="crashed"}')).toBe(1);

    await load(port, Array<string>(10).fill('/'));
    process.kill(project.server.child.pid as number, 'SIGHUP');
    await until('the reload retired both old workers', async () => sample(await page(project!), 'tsgate_worker_exits_total{reason="retired"}') === 2);
    const afterReload = await page(project);
    expect(sample(afterReload, requests('home', 200))).toBe(40);
    expect(sample(afterReload, 'tsgate_reloads_total')).toBe(1);
    expect(sample(afterReload, 'tsgate_workers')).toBe(2);

    await load(port, Array<string>(5).fill('/'));
    expect(sample(await page(project), requests('home', 200))).toBe(45);
  }, 90_000);

  it('answers only GET and HEAD on /metrics', async () => {
    project = await serveMetricsProject(1);
    expect((await get(project.metricsPort, '/metrics', { method: 'POST' })).status).toBe(405);
    expect((await get(project.metricsPort, '/other')).status).toBe(404);
    const head = await get(project.metricsPort, '/metrics', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  }, 60_000);
});
