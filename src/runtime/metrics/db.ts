/**
 * Database metrics, per DATABASES alias: queries and their duration (from
 * Kysely's query log), and each pool's connections in use, idle and
 * waiting, read at scrape time. Nothing is recorded unless the server
 * serves metrics.
 */
import { metrics, metricsEnabled } from './default.js';

/** What Kysely's `log` option is called with (its LogEvent, by shape). */
export interface QueryEvent {
  level: 'query' | 'error';
  queryDurationMillis: number;
}

export interface PoolState {
  used: number;
  idle: number;
  waiting: number;
}

const pools = new Map<string, () => PoolState | undefined>();

/** The function for Kysely's `log` option that times `alias`'s queries; undefined when metrics are off (no cost). */
export function queryObserver(alias: string): ((event: QueryEvent) => void) | undefined {
  if (!metricsEnabled()) return undefined;
  const queries = metrics.counter({ name: 'db_queries_total', help: 'Database queries, by DATABASES alias and outcome (ok or error)', labelNames: ['alias', 'outcome'] });
  const duration = metrics.histogram({ name: 'db_query_duration_seconds', help: 'Database query duration, by DATABASES alias', labelNames: ['alias'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
  // Series bound once per alias: a query then costs two additions, no label object.
  const ok = queries.bind([alias, 'ok']);
  const failed = queries.bind([alias, 'error']);
  const observe = duration.bind([alias]);
  return (event) => {
    (event.level === 'error' ? failed : ok)();
    observe(event.queryDurationMillis / 1000);
  };
}

/** Reads `alias`'s pool at each scrape; undefined from `read` means it cannot say (the pool is gone). */
export function observePool(alias: string, read: () => PoolState | undefined): void {
  if (!metricsEnabled()) return;
  pools.set(alias, read);
  metrics.gauge({
    name: 'db_pool_connections',
    help: 'Database pool connections of all workers, by DATABASES alias and state (used, idle, waiting: requests queued for one)',
    labelNames: ['alias', 'state'],
    collect: (gauge) => {
      for (const [name, readPool] of pools) {
        const state = readPool();
        if (!state) continue;
        gauge.set({ alias: name, state: 'used' }, state.used);
        gauge.set({ alias: name, state: 'idle' }, state.idle);
        gauge.set({ alias: name, state: 'waiting' }, state.waiting);
      }
    },
  });
}

/** `/readyz`'s last answer in this process: 1 ready, 0 not. */
export function recordReadiness(ready: boolean): void {
  if (!metricsEnabled()) return;
  metrics.gauge({ name: 'tsgate_ready', help: 'Whether /readyz last answered ready (1) or not (0); the lowest of the workers', aggregate: 'min' }).set(ready ? 1 : 0);
}
