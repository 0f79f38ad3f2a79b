/**
 * A worker's own health: memory, CPU time, event-loop delay and garbage
 * collection, read when a snapshot is taken (nothing runs per request).
 */
import { constants, performance, PerformanceObserver } from 'node:perf_hooks';
import type { Registry } from './registry.js';

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

const LAG_SAMPLE_MS = 100;

export function registerProcessMetrics(registry: Registry): void {
  registry.gauge({ name: 'process_resident_memory_bytes', help: 'Resident memory of each worker', aggregate: 'worker', collect: (g) => g.set(process.memoryUsage.rss()) });
  registry.gauge({ name: 'nodejs_heap_used_bytes', help: 'V8 heap in use in each worker', aggregate: 'worker', collect: (g) => g.set(process.memoryUsage().heapUsed) });
  const cpu = registry.counter({ name: 'process_cpu_seconds_total', help: 'CPU time (user and system) used by the workers, exited ones included' });
  registry.onCollect(() => {
    const { user, system } = process.cpuUsage();
    cpu.setTotal((user + system) / 1e6);
  });
  // Event-loop delay by timer drift: a 100 ms timer that fires late by the
  // time the loop was blocked. node's monitorEventLoopDelay records every
  // loop turn, which cost ~8 µs CPU per request on the hello app.
  let worst = 0;
  let expected = performance.now() + LAG_SAMPLE_MS;
  setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - expected);
    expected = now + LAG_SAMPLE_MS;
  }, LAG_SAMPLE_MS).unref();
  registry.gauge({
    name: 'nodejs_eventloop_lag_max_seconds',
    help: 'Longest event-loop delay in each worker since the previous scrape (a 100 ms timer firing late)',
    aggregate: 'worker',
    collect: (g) => {
      g.set(Math.max(0, worst) / 1000);
      worst = 0;
    },
  });
  const gc = registry.histogram({ name: 'nodejs_gc_duration_seconds', help: 'Garbage collection pauses, by kind', labelNames: ['kind'], buckets: [0.001, 0.01, 0.1, 1, 2, 5] });
  // node's `gc` performance entries rather than v8.GCProfiler, which writes
  // every collection's heap-space statistics as JSON: per forced minor
  // collection (callgrind), the observer costs ~225 k instructions on node 20
  // and ~270 k on node 22, GCProfiler ~850 k and ~1 M. The welcome page
  // collects once per ~120 requests: the observer is 0.1–0.2 % of a worker.
  // Each kind's series bound once: the callback runs for every collection.
  const byKind = new Map<number, (seconds: number) => void>();
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } | null }).detail?.kind ?? -1;
      let observe = byKind.get(kind);
      if (!observe) byKind.set(kind, (observe = gc.bind([GC_KINDS[kind] ?? 'other'])));
      observe(entry.duration / 1000);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
}
