/**
 * The primary's view of every worker's metrics: the last snapshot of each
 * live worker, plus the totals of the workers that exited. Counters and
 * histograms of an exited worker are kept in those totals, so a total never
 * goes backwards across a reload, a recycle or a crash; its gauges go with it.
 */
import type { FamilySnapshot, SeriesSnapshot } from './registry.js';

const SEPARATOR = '\u0001';

function sameShape(a: FamilySnapshot, b: FamilySnapshot): boolean {
  return a.type === b.type && a.labelNames.join(',') === b.labelNames.join(',') && (a.buckets ?? []).join(',') === (b.buckets ?? []).join(',');
}

function copySeries(series: SeriesSnapshot): SeriesSnapshot {
  return series.counts ? { labels: [...series.labels], counts: [...series.counts], sum: series.sum ?? 0 } : { labels: [...series.labels], value: series.value ?? 0 };
}

/** Adds `from` into `into` (both counters or both histograms of the same shape). */
function addSeries(into: SeriesSnapshot, from: SeriesSnapshot): void {
  if (into.counts && from.counts) {
    from.counts.forEach((count, i) => {
      into.counts![i] = (into.counts![i] ?? 0) + count;
    });
    into.sum = (into.sum ?? 0) + (from.sum ?? 0);
  } else {
    into.value = (into.value ?? 0) + (from.value ?? 0);
  }
}

/** Families being merged: by name, each with its series by label values. */
class Merge {
  private readonly families = new Map<string, { family: FamilySnapshot; series: Map<string, SeriesSnapshot> }>();

  add(family: FamilySnapshot, worker?: number): void {
    const perWorker = family.type === 'gauge' && family.aggregate === 'worker' && worker !== undefined;
    let entry = this.families.get(family.name);
    if (!entry) {
      const labelNames = perWorker ? [...family.labelNames, 'worker'] : [...family.labelNames];
      entry = { family: { ...family, labelNames, series: [] }, series: new Map() };
      this.families.set(family.name, entry);
    } else if (!sameShape({ ...entry.family, labelNames: perWorker ? entry.family.labelNames.slice(0, -1) : entry.family.labelNames }, family)) {
      return; // two workers disagree on a metric (a deploy mid-reload): the first one seen wins
    }
    for (const series of family.series) {
      const labels = perWorker ? [...series.labels, String(worker)] : series.labels;
      const key = labels.join(SEPARATOR);
      const existing = entry.series.get(key);
      if (!existing) {
        entry.series.set(key, { ...copySeries(series), labels: [...labels] });
      } else if (family.type !== 'gauge' || family.aggregate === 'sum') {
        addSeries(existing, series);
      } else if (family.aggregate === 'max') {
        existing.value = Math.max(existing.value ?? 0, series.value ?? 0);
      } else if (family.aggregate === 'min') {
        existing.value = Math.min(existing.value ?? 0, series.value ?? 0);
      }
    }
  }

  result(): FamilySnapshot[] {
    return [...this.families.values()].map(({ family, series }) => ({ ...family, series: [...series.values()] }));
  }
}

export class Aggregator {
  private readonly live = new Map<number, FamilySnapshot[]>();
  /** Counters and histograms of exited workers, summed. */
  private retired: FamilySnapshot[] = [];

  /** A worker's latest snapshot replaces its previous one. */
  update(worker: number, families: FamilySnapshot[]): void {
    this.live.set(worker, families);
  }

  has(worker: number): boolean {
    return this.live.has(worker);
  }

  /** The worker exited: its last counts join the totals, its gauges are dropped. */
  retire(worker: number): void {
    const families = this.live.get(worker);
    this.live.delete(worker);
    if (!families) return;
    const merge = new Merge();
    for (const family of this.retired) merge.add(family);
    for (const family of families) if (family.type !== 'gauge') merge.add(family);
    this.retired = merge.result();
  }

  /** Every worker's metrics combined, exited workers' totals included, then `own` (the primary's). */
  merged(own: readonly FamilySnapshot[] = []): FamilySnapshot[] {
    const merge = new Merge();
    for (const family of own) merge.add(family);
    for (const family of this.retired) merge.add(family);
    // In worker order, so that per-worker series keep their place from one scrape to the next.
    const workers = [...this.live.keys()].sort((a, b) => a - b);
    for (const worker of workers) for (const family of this.live.get(worker) ?? []) merge.add(family, worker);
    return merge.result();
  }
}
