/**
 * A real Prometheus (Debian's `prometheus` package; `.ci/run` installs it
 * when missing) scrapes `manage serve -w 2 --metrics-bind` every second
 * while the test sends a bounded load; PromQL over its HTTP API returns
 * exactly the requests sent, by route and status, and after a HUP reload
 * the counters have not gone backwards (no reset seen by Prometheus).
 *
 * Without prometheus on the machine the test is skipped with a notice,
 * except with TSGATE_REQUIRE_SERVICES=1, where it fails.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, REPO, Spawned, tempDir } from '../helpers/process.js';
import { get } from '../helpers/http.js';
import { serveMetricsProject, type MetricsProject } from './project.js';

const REQUIRED = process.env.TSGATE_REQUIRE_SERVICES === '1';
const onPath = (name: string) => (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, name)).find((path) => existsSync(path));
const prometheus = onPath('prometheus');
const promtool = onPath('promtool');
/** The generated project's monitoring files (copied as they are, not rendered). */
const ALERTS = join(REPO, 'templates', 'project', 'deploy', 'prometheus', 'alerts.yml');
const DASHBOARD = join(REPO, 'templates', 'project', 'deploy', 'grafana', 'dashboard.json');

/** Every PromQL expression of the Grafana dashboard, with Grafana's variables as Prometheus would get them. */
function dashboardQueries(job: string): { title: string; expr: string }[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
  return dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ title: panel.title, expr: target.expr.replaceAll('$__rate_interval', '1m').replaceAll('$job', job) })));
}

interface Vector {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(port: number, promql: string): Promise<Vector[]> {
  const reply = await get(port, `/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = JSON.parse(reply.body) as { status: string; data?: { result: Vector[] }; error?: string };
  if (body.status !== 'success') throw new Error(`PromQL ${promql}: ${body.error ?? reply.body}`);
  return body.data?.result ?? [];
}

/** `sum by (route, status)` as a sorted object: `{ 'home 200': 40, … }`. */
async function byRouteAndStatus(port: number): Promise<Record<string, number>> {
  const result = await query(port, 'sum by (route, status) (http_requests_total{job="site"})');
  return Object.fromEntries(result.map((v) => [`${v.metric.route} ${v.metric.status}`, Number(v.value[1])] as const).sort(([a], [b]) => a.localeCompare(b)));
}

/** Polls PromQL until `expected` comes back (scrapes are every second); fails with the last answer. */
async function untilEqual(port: number, expected: Record<string, number>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: Record<string, number> = {};
  for (;;) {
    last = await byRouteAndStatus(port);
    if (JSON.stringify(last) === JSON.stringify(expected)) return;
    if (Date.now() > deadline) expect(last).toEqual(expected);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function load(port: number, paths: string[]): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  try {
    await Promise.all(paths.map((path) => get(port, path, { agent })));
  } finally {
    agent.destroy();
  }
}

const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('Prometheus scraping serve -w 2', () => {
  if (!prometheus) {
    const problem = 'prometheus is not installed (apt-get install prometheus)';
    if (REQUIRED) it('needs prometheus (TSGATE_REQUIRE_SERVICES=1)', () => expect.fail(problem));
    else {
      console.warn(`Skipping the Prometheus test: ${problem}. Set TSGATE_REQUIRE_SERVICES=1 to make this a failure.`);
      it.skip(`needs prometheus: ${problem}`, () => undefined);
    }
    return;
  }

  it('counts exactly the requests sent, by route and status, and never goes backwards across a reload', async () => {
    const project: MetricsProject = await serveMetricsProject(2);
    cleanups.push(() => project.stop());
    const dir = tempDir('tsgate-prometheus-');
    const config = join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: site',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${project.metricsPort}']`,
        '',
      ].join('\n'),
    );
    const promPort = await freePort();
    const server = new Spawned(prometheus, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`]);
    cleanups.push(() => server.killGroup());
    await server.waitFor(/Server is ready to receive web requests/, 60_000);

    // First, before /db/ makes the SQLite file: /readyz says the database is not there yet (503).
    await load(project.port, Array<string>(2).fill('/readyz'));
    await load(project.port, [
      ...Array<string>(50).fill('/'),
      ...Array.from({ length: 30 }, (_, i) => `/items/${i}/`),
      ...Array<string>(4).fill('/boom/'),
      ...Array.from({ length: 6 }, (_, i) => `/missing/${i}`),
      ...Array<string>(3).fill('/db/'),
    ]);
    const expected = { '(unmatched) 404': 6, 'boom 500': 4, 'db 200': 3, 'home 200': 50, 'item 200': 30, 'readyz 503': 2 };
    await untilEqual(promPort, expected);

    // Prometheus sees the target as healthy, with the two workers' memory apart.
    expect((await query(promPort, 'up{job="site"}'))[0]?.value[1]).toBe('1');
    expect(await query(promPort, 'process_resident_memory_bytes{job="site"}')).toHaveLength(2);

    // The Grafana dashboard's queries all parse and name metrics the server has
    // (a rate needs two scrapes of a series: asked again for a few seconds).
    let empty: string[] = [];
    for (let attempt = 0; attempt < 20; attempt++) {
      empty = [];
      for (const { title, expr } of dashboardQueries('site')) if ((await query(promPort, expr)).length === 0) empty.push(`${title}: ${expr}`);
      // Only the PostgreSQL/MySQL pool panel has nothing with SQLite.
      if (empty.length === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(empty.map((line) => line.split(':')[0]), empty.join('\n')).toEqual(['Pool connections']);

    process.kill(project.server.child.pid as number, 'SIGHUP');
    await project.server.waitFor(/(Worker exiting[^]*){2}/, 30_000);
    await load(project.port, Array<string>(10).fill('/'));
    await untilEqual(promPort, { ...expected, 'home 200': 60 });
    // No series went down at any point: Prometheus saw no counter reset.
    const resets = await query(promPort, 'sum(resets(http_requests_total{job="site"}[5m]))');
    expect(resets[0]?.value[1]).toBe('0');
    const reloads = await query(promPort, 'tsgate_reloads_total{job="site"}');
    expect(reloads[0]?.value[1]).toBe('1');
  }, 180_000);
});

describe('deploy/prometheus/alerts.yml', () => {
  if (!promtool) {
    if (REQUIRED) it('needs promtool (TSGATE_REQUIRE_SERVICES=1)', () => expect.fail('promtool is not installed (apt-get install prometheus)'));
    else it.skip('needs promtool (apt-get install prometheus)', () => undefined);
    return;
  }

  it('passes promtool check rules', () => {
    const result = spawnSync(promtool, ['check', 'rules', ALERTS], { encoding: 'utf8' });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('SUCCESS: 5 rules found');
  });

  it('fires on 5xx answers, crashing workers and a flapping /readyz, and not on healthy series (promtool test rules)', () => {
    const dir = tempDir('tsgate-alerts-');
    const tests = join(dir, 'alerts.test.yml');
    writeFileSync(
      tests,
      `rule_files: [${JSON.stringify(ALERTS)}]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'http_requests_total{job="web",route="home",status="200"}'
        values: '0+90x20'
      - series: 'http_requests_total{job="web",route="home",status="500"}'
        values: '0+10x20'
      - series: 'http_requests_total{job="ok",route="home",status="200"}'
        values: '0+100x20'
      - series: 'tsgate_worker_exits_total{job="web",instance="a",reason="crashed"}'
        values: '0 1 2 3 4 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5'
      - series: 'tsgate_worker_exits_total{job="ok",instance="b",reason="retired"}'
        values: '0 2 4 6 8 10 12 14 16 18 20 22 24 26 28 30 32 34 36 38'
      - series: 'tsgate_ready{job="web",instance="a"}'
        values: '1 0 1 0 1 0 1 1 1 1 1 1 1 1 1 1 1 1 1 1'
    alert_rule_test:
      - eval_time: 10m
        alertname: HighErrorRatio
        exp_alerts:
          - exp_labels: { severity: critical, job: web }
            exp_annotations: { summary: 'web: 10% of requests answer 5xx' }
      - eval_time: 10m
        alertname: WorkerRestarts
        exp_alerts:
          - exp_labels: { severity: warning, job: web, instance: a }
            exp_annotations: { summary: 'a: 5 workers crashed or were killed in 15 minutes' }
      - eval_time: 10m
        alertname: ReadinessFlapping
        exp_alerts:
          - exp_labels: { severity: warning, job: web, instance: a }
            exp_annotations: { summary: 'a: /readyz changed 6 times in 15 minutes' }
      - eval_time: 10m
        alertname: SlowRoute
        exp_alerts: []
`,
    );
    const result = spawnSync(promtool, ['test', 'rules', tests], { encoding: 'utf8' });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('SUCCESS');
  }, 180_000);
});
