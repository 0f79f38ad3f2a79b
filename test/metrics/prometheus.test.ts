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
import { existsSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, Spawned, tempDir } from '../helpers/process.js';
import { get, serveMetricsProject, type MetricsProject } from './project.js';

const REQUIRED = process.env.TSGATE_REQUIRE_SERVICES === '1';
const prometheus = (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'prometheus')).find((path) => existsSync(path));

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

    await load(project.port, [
      ...Array<string>(50).fill('/'),
      ...Array.from({ length: 30 }, (_, i) => `/items/${i}/`),
      ...Array<string>(4).fill('/boom/'),
      ...Array.from({ length: 6 }, (_, i) => `/missing/${i}`),
    ]);
    const expected = { '(unmatched) 404': 6, 'boom 500': 4, 'home 200': 50, 'item 200': 30 };
    await untilEqual(promPort, expected);

    // Prometheus sees the target as healthy, with the two workers' memory apart.
    expect((await query(promPort, 'up{job="site"}'))[0]?.value[1]).toBe('1');
    expect(await query(promPort, 'process_resident_memory_bytes{job="site"}')).toHaveLength(2);

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
