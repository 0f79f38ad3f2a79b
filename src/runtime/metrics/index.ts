/**
 * Prometheus metrics for a prefork server: each worker counts in its own
 * registry, the primary sums them (exited workers' counts kept) and serves
 * the total on `serve --metrics-bind`. An app adds its own with
 * `import { metrics } from 'tsgate/metrics'`.
 */
export { metrics, metricsEnabled } from './default.js';
export {
  Counter,
  DEFAULT_BUCKETS,
  Gauge,
  Histogram,
  MAX_SERIES,
  MetricsError,
  Registry,
  type Aggregation,
  type FamilySnapshot,
  type GaugeOptions,
  type HistogramOptions,
  type LabelValues,
  type MetricOptions,
  type MetricType,
  type SeriesSnapshot,
} from './registry.js';
export { Aggregator } from './aggregate.js';
export { CONTENT_TYPE, render } from './exposition.js';
export { REFUSED_ROUTE, ROUTE_KEY, STATIC_ROUTE, UNMATCHED_ROUTE, RequestMetrics } from './http.js';
export { MetricsHub, COLLECT_TIMEOUT_MS, type MetricsBind, type WorkerExit } from './primary.js';
export { startWorkerMetrics, PUSH_INTERVAL_MS, type WorkerMetrics } from './worker.js';
