/**
 * A worker's own health: memory, CPU time, event-loop delay and garbage
 * collection, read when a snapshot is taken (nothing runs per request).
 */
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import type { Registry } from './registry.js';

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

export function registerProcessMetrics(registry: Registry): void {
  registry.gauge({ name: 'process_resident_memory_bytes', help: 'Resident memory of each worker', aggregate: 'worker', collect: (g) => g.set(process.memoryUsage.rss()) });
  registry.gauge({ name: 'nodejs_heap_used_bytes', help: 'V8 heap in use in each worker', aggregate: 'worker', collect: (g) => g.set(process.memoryUsage().heapUsed) });
  const cpu = registry.counter({ name: 'process_cpu_seconds_total', help: 'CPU time (user and system) used by the workers, exited ones included' });
  registry.onCollect(() => {
    const { user, system } = process.cpuUsage();
    cpu.setTotal((user + system) / 1e6);
  });
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  registry.gauge({
    name: 'nodejs_eventloop_lag_p99_seconds',
    help: '99th percentile of the event-loop delay in each worker since the previous scrape',
    aggregate: 'worker',
    collect: (g) => {
      g.set(delay.count > 0 ? delay.percentile(99) / 1e9 : 0);
      delay.reset();
    },
  });
  const gc = registry.histogram({ name: 'nodejs_gc_duration_seconds', help: 'Garbage collection pauses, by kind', labelNames: ['kind'], buckets: [0.001, 0.01, 0.1, 1, 2, 5] });
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } | null }).detail?.kind;
      gc.observe({ kind: GC_KINDS[kind ?? -1] ?? 'other' }, entry.duration / 1000);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
}
