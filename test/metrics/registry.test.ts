import { describe, expect, it } from 'vitest';
import { Aggregator, MAX_SERIES, MetricsError, Registry, render, type FamilySnapshot } from '../../src/runtime/metrics/index.js';
import { createApplication, path, text } from '../../src/runtime/http/index.js';
import { ROUTE_KEY } from '../../src/runtime/metrics/index.js';
import { Client } from '../../src/runtime/test/index.js';

describe('Registry', () => {
  it('counts by labels and renders the Prometheus text format', () => {
    const registry = new Registry();
    const orders = registry.counter({ name: 'shop_orders_total', help: 'Orders placed', labelNames: ['plan'] });
    orders.inc({ plan: 'pro' });
    orders.inc({ plan: 'pro' }, 2);
    orders.inc({ plan: 'free' });
    const queue = registry.gauge({ name: 'shop_queue_depth', help: 'Jobs waiting' });
    queue.set(7);
    queue.dec(2);
    expect(orders.get({ plan: 'pro' })).toBe(3);
    expect(render(registry.snapshot())).toBe(
      [
        '# HELP shop_orders_total Orders placed',
        '# TYPE shop_orders_total counter',
        'shop_orders_total{plan="pro"} 3',
        'shop_orders_total{plan="free"} 1',
        '# HELP shop_queue_depth Jobs waiting',
        '# TYPE shop_queue_depth gauge',
        'shop_queue_depth 5',
        '',
      ].join('\n'),
    );
  });

  it('renders histograms with cumulative buckets, +Inf, sum and count', () => {
    const registry = new Registry();
    const latency = registry.histogram({ name: 'job_seconds', help: 'Job time', buckets: [0.1, 1] });
    latency.observe(0.05);
    latency.observe(0.5);
    latency.observe(3);
    expect(render(registry.snapshot())).toContain(
      ['job_seconds_bucket{le="0.1"} 1', 'job_seconds_bucket{le="1"} 2', 'job_seconds_bucket{le="+Inf"} 3', 'job_seconds_sum 3.55', 'job_seconds_count 3'].join('\n'),
    );
  });

  it('escapes label values and help text', () => {
    const registry = new Registry();
    registry.counter({ name: 'x_total', help: 'a \\ b\nc', labelNames: ['v'] }).inc({ v: 'say "hi"\\\n' });
    const out = render(registry.snapshot());
    expect(out).toContain('# HELP x_total a \\\\ b\\nc');
    expect(out).toContain('x_total{v="say \\"hi\\"\\\\\\n"} 1');
  });

  it('gives the same metric for the same name, type and labels, and refuses a different one', () => {
    const registry = new Registry();
    const a = registry.counter({ name: 'hits_total', help: 'h', labelNames: ['page'] });
    expect(registry.counter({ name: 'hits_total', help: 'h', labelNames: ['page'] })).toBe(a);
    expect(() => registry.gauge({ name: 'hits_total', help: 'h', labelNames: ['page'] })).toThrow(/already registered as a counter/);
    expect(() => registry.counter({ name: 'hits_total', help: 'h' })).toThrow(MetricsError);
  });

  it('refuses bad names, labels and values with a clear error', () => {
    const registry = new Registry();
    expect(() => registry.counter({ name: '1bad', help: 'h' })).toThrow(/metric name "1bad" is not valid/);
    expect(() => registry.counter({ name: 'ok_total', help: '' })).toThrow(/help text/);
    expect(() => registry.counter({ name: 'ok_total', help: 'h', labelNames: ['worker'] })).toThrow(/reserved/);
    expect(() => registry.counter({ name: 'ok2_total', help: 'h', labelNames: ['a-b'] })).toThrow(/label name "a-b"/);
    const counter = registry.counter({ name: 'ok3_total', help: 'h', labelNames: ['a'] });
    expect(() => counter.inc({ b: 'x' } as never)).toThrow(/has no label 'b'/);
    expect(() => counter.inc(-1)).toThrow(/cannot go down/);
    expect(() => counter.inc(Number.NaN)).toThrow(/not a finite number/);
    expect(() => registry.histogram({ name: 'h_seconds', help: 'h', buckets: [1, 0.5] })).toThrow(/ascending/);
  });

  it('stops adding label combinations past MAX_SERIES (a label fed from unbounded input)', () => {
    const registry = new Registry();
    const counter = registry.counter({ name: 'paths_total', help: 'h', labelNames: ['path'] });
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    for (let i = 0; i < MAX_SERIES + 10; i++) counter.inc({ path: `/p/${i}` });
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        process.off('warning', onWarning);
        expect(registry.snapshot()[0]?.series).toHaveLength(MAX_SERIES);
        expect(warnings.filter((w) => w.includes('paths_total'))).toHaveLength(1);
        resolve();
      }),
    );
  });
});

function worker(requests: number, inFlight: number, rss: number): FamilySnapshot[] {
  const registry = new Registry();
  registry.counter({ name: 'req_total', help: 'r', labelNames: ['route'] }).inc({ route: 'home' }, requests);
  registry.histogram({ name: 'lat_seconds', help: 'l', buckets: [1] }).observe(0.5);
  registry.gauge({ name: 'in_flight', help: 'f' }).set(inFlight);
  registry.gauge({ name: 'rss_bytes', help: 'm', aggregate: 'worker' }).set(rss);
  registry.gauge({ name: 'ready', help: 'r', aggregate: 'min' }).set(inFlight > 0 ? 1 : 0);
  return registry.snapshot();
}

describe('Aggregator', () => {
  it('sums counters, histograms and sum-gauges across workers, labels per-worker gauges, takes the min', () => {
    const aggregator = new Aggregator();
    aggregator.update(1, worker(10, 2, 100));
    aggregator.update(2, worker(5, 0, 200));
    const out = render(aggregator.merged());
    expect(out).toContain('req_total{route="home"} 15');
    expect(out).toContain('lat_seconds_count 2');
    expect(out).toContain('in_flight 2');
    expect(out).toContain('rss_bytes{worker="1"} 100\nrss_bytes{worker="2"} 200');
    expect(out).toContain('ready 0');
  });

  it('keeps an exited worker\'s counters and histograms in the totals and drops its gauges', () => {
    const aggregator = new Aggregator();
    aggregator.update(1, worker(10, 2, 100));
    aggregator.update(2, worker(5, 1, 200));
    aggregator.retire(1);
    aggregator.update(3, worker(1, 1, 300));
    const out = render(aggregator.merged());
    expect(out).toContain('req_total{route="home"} 16');
    expect(out).toContain('lat_seconds_count 3');
    expect(out).toContain('in_flight 2');
    expect(out).not.toContain('worker="1"');
    // A second exit adds to the totals again: nothing goes backwards.
    aggregator.retire(2);
    aggregator.retire(3);
    expect(render(aggregator.merged())).toContain('req_total{route="home"} 16');
  });

  it('replaces a live worker\'s previous snapshot rather than adding it twice', () => {
    const aggregator = new Aggregator();
    aggregator.update(1, worker(10, 0, 1));
    aggregator.update(1, worker(12, 0, 1));
    expect(render(aggregator.merged())).toContain('req_total{route="home"} 12');
  });
});

describe('the route label', () => {
  it('is the URL pattern\'s name, else its pattern, never the path', async () => {
    const seen: unknown[] = [];
    const app = createApplication([
      path('articles/<int:year>/', (request) => text(String(request.environ[ROUTE_KEY])), { name: 'articles' }),
      path('about/', (request) => text(String(request.environ[ROUTE_KEY]))),
    ]);
    const client = new Client((environ, startResponse) => {
      const result = app(environ, startResponse);
      seen.push(environ);
      return result;
    });
    expect((await client.get('/articles/2024/')).text()).toBe('articles');
    expect((await client.get('/about/')).text()).toBe('/about/');
    const missing = await client.get('/nowhere/');
    expect(missing.status).toBe(404);
    expect((seen[2] as Record<string, unknown>)[ROUTE_KEY]).toBeUndefined();
  });
});

describe('Registry snapshots', () => {
  it("reads gauges through their collectors on a scrape's snapshot, and sends their last values on a periodic push", () => {
    const registry = new Registry();
    let reads = 0;
    registry.gauge({ name: 'app_pool_size', help: 'Pool size', collect: (gauge) => gauge.set(++reads * 10) });
    const jobs = registry.counter({ name: 'app_jobs_total', help: 'Jobs' });
    let totals = 0;
    registry.onCollect(() => void totals++);
    jobs.inc(3);
    const value = (families: FamilySnapshot[], name: string) => families.find((family) => family.name === name)?.series[0]?.value;
    const pushed = registry.snapshot({ gauges: 'last' });
    expect(reads).toBe(0);
    expect(value(pushed, 'app_pool_size')).toBe(0);
    expect(value(pushed, 'app_jobs_total')).toBe(3);
    const scraped = registry.snapshot();
    expect(reads).toBe(1);
    expect(value(scraped, 'app_pool_size')).toBe(10);
    expect(value(registry.snapshot({ gauges: 'last' }), 'app_pool_size')).toBe(10);
    expect(reads).toBe(1);
    // Totals kept elsewhere (CPU time) are read for every snapshot: a killed worker's pushes carry them.
    expect(totals).toBe(3);
  });
});

describe('RequestMetrics', () => {
  it('counts by method, route and status with bound series, unknown methods as OTHER, requests with no route as (unmatched)', async () => {
    const { RequestMetrics } = await import('../../src/runtime/metrics/index.js');
    const registry = new Registry();
    const requests = new RequestMetrics(registry);
    for (let i = 0; i < 3; i++) requests.end(requests.begin(), 'GET', 'home', 200, 0, 10);
    requests.end(requests.begin(), 'BREW', 'home', 200, 5, 10);
    requests.end(requests.begin(), 'GET', undefined, 404, 0, 0);
    const page = render(registry.snapshot());
    expect(page).toContain('http_requests_total{method="GET",route="home",status="200"} 3');
    expect(page).toContain('http_requests_total{method="OTHER",route="home",status="200"} 1');
    expect(page).toContain('http_requests_total{method="GET",route="(unmatched)",status="404"} 1');
    expect(page).toContain('http_request_duration_seconds_count{route="home"} 4');
    expect(page).toContain('http_response_bytes_total{route="home"} 40');
    expect(page).toContain('http_request_bytes_total{route="home"} 5');
    expect(page).toContain('http_requests_in_flight 0');
  });
});
