/**
 * Counters, gauges and histograms in one process, as plain numbers: no
 * dependency, nothing shared between processes. A worker's registry is read
 * whole (`snapshot()`) and sent to the primary, which sums the workers'
 * snapshots (aggregate.ts) and writes the Prometheus text format
 * (exposition.ts).
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';

/**
 * How the primary combines one gauge's values from its workers: added up
 * (requests in flight, pool connections), the largest or the smallest, or
 * one series per worker with a `worker` label (memory, event-loop lag).
 * Counters and histograms are always added up, exited workers' included.
 */
export type Aggregation = 'sum' | 'max' | 'min' | 'worker';

export type LabelValues<L extends string> = Partial<Record<L, string | number>>;

export interface MetricOptions<L extends string = string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
}

export interface GaugeOptions<L extends string = string> extends MetricOptions<L> {
  aggregate?: Aggregation;
  /** Called before each read, to set the value from elsewhere (a pool's size, the process's memory). */
  collect?: (gauge: Gauge<L>) => void;
}

export interface HistogramOptions<L extends string = string> extends MetricOptions<L> {
  /** Upper bounds, ascending; `+Inf` is implied. Default: DEFAULT_BUCKETS (seconds). */
  buckets?: readonly number[];
}

/** prom-client's and the Prometheus clients' default latency buckets, in seconds. */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** One series as sent between processes: its label values in labelNames order. */
export interface SeriesSnapshot {
  labels: string[];
  /** Counter or gauge value. */
  value?: number;
  /** Histogram: observations per bucket (not cumulative; the last is +Inf), their sum and count. */
  counts?: number[];
  sum?: number;
}

export interface FamilySnapshot {
  name: string;
  help: string;
  type: MetricType;
  aggregate: Aggregation;
  labelNames: string[];
  buckets?: number[];
  series: SeriesSnapshot[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Labels the server adds itself. */
const RESERVED_LABELS = new Set(['le', 'quantile', 'worker']);
/**
 * Series one metric may have. A label fed from requests (a raw path, a user
 * id) would otherwise grow the worker's memory and every scrape without
 * end; past this, new label combinations are dropped (and said once).
 */
export const MAX_SERIES = 2000;
const SEPARATOR = '\u0001';

export class MetricsError extends Error {
  override name = 'MetricsError';
}

abstract class Metric<L extends string, S> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  protected readonly series = new Map<string, { labels: string[]; state: S }>();
  private overflowed = false;

  constructor(
    readonly type: MetricType,
    options: MetricOptions<L>,
  ) {
    if (typeof options.name !== 'string' || !METRIC_NAME.test(options.name)) {
      throw new MetricsError(`metric name ${JSON.stringify(options.name)} is not valid: use letters, digits, _ and :, not starting with a digit`);
    }
    if (typeof options.help !== 'string' || options.help === '') throw new MetricsError(`metric ${options.name}: give it a help text`);
    const labelNames = options.labelNames ?? [];
    for (const label of labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith('__')) throw new MetricsError(`metric ${options.name}: label name ${JSON.stringify(label)} is not valid`);
      if (RESERVED_LABELS.has(label)) throw new MetricsError(`metric ${options.name}: the label name '${label}' is reserved`);
    }
    if (new Set(labelNames).size !== labelNames.length) throw new MetricsError(`metric ${options.name}: a label name is repeated`);
    this.name = options.name;
    this.help = options.help;
    this.labelNames = [...labelNames];
  }

  protected abstract initial(): S;

  /** The state of the series for these labels, made on first use; undefined once MAX_SERIES is reached. */
  protected state(labels: LabelValues<L> | undefined): S | undefined {
    const values = this.labelValues(labels);
    const key = values.join(SEPARATOR);
    let entry = this.series.get(key);
    if (!entry) {
      if (this.series.size >= MAX_SERIES) {
        if (!this.overflowed) {
          this.overflowed = true;
          process.emitWarning(`metric ${this.name} has ${MAX_SERIES} label combinations; new ones are dropped (is a label fed from unbounded input?)`, 'MetricsWarning');
        }
        return undefined;
      }
      entry = { labels: values, state: this.initial() };
      this.series.set(key, entry);
    }
    return entry.state;
  }

  /**
   * The series for label values given in labelNames order, already strings:
   * for a hot path that keeps it (RequestMetrics) instead of naming labels
   * per call. Undefined once MAX_SERIES is reached.
   */
  protected stateOf(values: string[]): S | undefined {
    const key = values.join(SEPARATOR);
    let entry = this.series.get(key);
    if (!entry) {
      if (values.length !== this.labelNames.length) throw new MetricsError(`metric ${this.name} has ${this.labelNames.length} labels, got ${values.length} values`);
      if (this.series.size >= MAX_SERIES) return this.state(Object.fromEntries(this.labelNames.map((name, i) => [name, values[i]])) as LabelValues<L>);
      entry = { labels: [...values], state: this.initial() };
      this.series.set(key, entry);
    }
    return entry.state;
  }

  private labelValues(labels: LabelValues<L> | undefined): string[] {
    if (labels !== undefined) {
      for (const name of Object.keys(labels)) {
        if (!(this.labelNames as readonly string[]).includes(name)) {
          throw new MetricsError(`metric ${this.name} has no label '${name}' (its labels: ${this.labelNames.join(', ') || 'none'})`);
        }
      }
    }
    return this.labelNames.map((name) => {
      const value = labels?.[name];
      return value === undefined ? '' : String(value);
    });
  }

  /** A metric without labels shows 0 before its first use, so that rate() and increase() see the first change (as prom-client does). */
  protected seriesForSnapshot(): { labels: string[]; state: S }[] {
    if (this.labelNames.length === 0 && this.series.size === 0) this.state(undefined);
    return [...this.series.values()];
  }

  /** Forgets every series (tests; a gauge re-read from scratch). */
  reset(): void {
    this.series.clear();
  }

  abstract snapshot(): FamilySnapshot;

  protected family(aggregate: Aggregation, series: SeriesSnapshot[], buckets?: number[]): FamilySnapshot {
    return { name: this.name, help: this.help, type: this.type, aggregate, labelNames: [...this.labelNames], ...(buckets ? { buckets } : {}), series };
  }
}

/** `inc(5)` and `inc({ route }, 5)`: the labels (if any) and the number. */
function args<L extends string>(labels: LabelValues<L> | number | undefined, value: number | undefined): [LabelValues<L> | undefined, number | undefined] {
  return typeof labels === 'number' ? [undefined, labels] : [labels, value];
}

function amount(metric: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new MetricsError(`metric ${metric}: ${String(value)} is not a finite number`);
  return value;
}

export class Counter<L extends string = string> extends Metric<L, { value: number }> {
  constructor(options: MetricOptions<L>) {
    super('counter', options);
  }

  protected initial() {
    return { value: 0 };
  }

  /** Adds `value` (default 1; never negative: a counter only goes up). */
  inc(labels?: LabelValues<L> | number, value?: number): void {
    const [names, by = 1] = args(labels, value);
    if (amount(this.name, by) < 0) throw new MetricsError(`counter ${this.name} cannot go down (inc by ${by})`);
    const state = this.state(names);
    if (state) state.value += by;
  }

  /** The current value of one series (tests, the app's own use). */
  get(labels?: LabelValues<L>): number {
    return this.state(labels)?.value ?? 0;
  }

  /** A function that adds to the series of these label values (in labelNames order), found once. */
  bind(values: string[]): (by?: number) => void {
    const state = this.stateOf(values);
    return (by = 1) => {
      if (state) state.value += by;
    };
  }

  /** Sets a total kept elsewhere (the process's CPU time); internal, it must not decrease. */
  setTotal(value: number, labels?: LabelValues<L>): void {
    const state = this.state(labels);
    if (state && value > state.value) state.value = value;
  }

  snapshot(): FamilySnapshot {
    return this.family('sum', this.seriesForSnapshot().map(({ labels, state }) => ({ labels, value: state.value })));
  }
}

export class Gauge<L extends string = string> extends Metric<L, { value: number }> {
  readonly aggregate: Aggregation;
  private readonly collector: ((gauge: Gauge<L>) => void) | undefined;

  constructor(options: GaugeOptions<L>) {
    super('gauge', options);
    const aggregate = options.aggregate ?? 'sum';
    if (!['sum', 'max', 'min', 'worker'].includes(aggregate)) throw new MetricsError(`gauge ${options.name}: aggregate must be sum, max, min or worker, got ${JSON.stringify(aggregate)}`);
    this.aggregate = aggregate;
    this.collector = options.collect;
  }

  protected initial() {
    return { value: 0 };
  }

  set(labels: LabelValues<L> | number, value?: number): void {
    const [names, to] = args(labels, value);
    const checked = amount(this.name, to as number);
    const state = this.state(names);
    if (state) state.value = checked;
  }

  inc(labels?: LabelValues<L> | number, value?: number): void {
    const [names, by = 1] = args(labels, value);
    const checked = amount(this.name, by);
    const state = this.state(names);
    if (state) state.value += checked;
  }

  dec(labels?: LabelValues<L> | number, value?: number): void {
    const [names, by = 1] = args(labels, value);
    const checked = amount(this.name, by);
    const state = this.state(names);
    if (state) state.value -= checked;
  }

  get(labels?: LabelValues<L>): number {
    return this.state(labels)?.value ?? 0;
  }

  /** `collect`: run the gauge's collector first (a scrape); without, its last values (a worker's periodic push). */
  snapshot(collect = true): FamilySnapshot {
    if (collect) this.collector?.(this);
    return this.family(this.aggregate, this.seriesForSnapshot().map(({ labels, state }) => ({ labels, value: state.value })));
  }
}

export class Histogram<L extends string = string> extends Metric<L, { counts: number[]; sum: number }> {
  readonly buckets: readonly number[];

  constructor(options: HistogramOptions<L>) {
    super('histogram', options);
    const buckets = [...(options.buckets ?? DEFAULT_BUCKETS)];
    if (buckets.length === 0 || buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= (buckets[i - 1] as number)))) {
      throw new MetricsError(`histogram ${options.name}: buckets must be finite numbers in ascending order`);
    }
    this.buckets = buckets;
  }

  protected initial() {
    return { counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0 };
  }

  observe(labels: LabelValues<L> | number, value?: number): void {
    const [names, seen] = args(labels, value);
    const observed = amount(this.name, seen as number);
    const state = this.state(names);
    if (!state) return;
    const buckets = this.buckets;
    let i = 0;
    while (i < buckets.length && observed > (buckets[i] as number)) i++;
    state.counts[i] = (state.counts[i] as number) + 1;
    state.sum += observed;
  }

  /** A function that observes into the series of these label values (in labelNames order), found once. */
  bind(values: string[]): (value: number) => void {
    const state = this.stateOf(values);
    const buckets = this.buckets;
    return (value) => {
      if (!state) return;
      let i = 0;
      while (i < buckets.length && value > (buckets[i] as number)) i++;
      state.counts[i] = (state.counts[i] as number) + 1;
      state.sum += value;
    };
  }

  /** Starts a timer; the function it returns observes the seconds since (and returns them). */
  startTimer(labels?: LabelValues<L>): () => number {
    const start = process.hrtime.bigint();
    return () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      this.observe(labels ?? {}, seconds);
      return seconds;
    };
  }

  snapshot(): FamilySnapshot {
    return this.family(
      'sum',
      this.seriesForSnapshot().map(({ labels, state }) => ({ labels, counts: [...state.counts], sum: state.sum })),
      [...this.buckets],
    );
  }
}

/** What the registry needs of a metric, whatever its label names. */
interface AnyMetric {
  readonly name: string;
  readonly type: MetricType;
  readonly labelNames: readonly string[];
  snapshot(collect?: boolean): FamilySnapshot;
}

/** A process's metrics by name. Asking again for a metric with the same name, type and labels gives the same one. */
export class Registry {
  private readonly metrics = new Map<string, AnyMetric>();
  private readonly collectors: (() => void)[] = [];

  counter<L extends string = string>(options: MetricOptions<L>): Counter<L> {
    return this.register(options, 'counter', () => new Counter(options));
  }

  gauge<L extends string = string>(options: GaugeOptions<L>): Gauge<L> {
    return this.register(options, 'gauge', () => new Gauge(options));
  }

  histogram<L extends string = string>(options: HistogramOptions<L>): Histogram<L> {
    return this.register(options, 'histogram', () => new Histogram(options));
  }

  private register<M extends AnyMetric>(options: MetricOptions<string>, type: MetricType, make: () => M): M {
    const existing = this.metrics.get(options.name);
    if (!existing) {
      const metric = make();
      this.metrics.set(metric.name, metric);
      return metric;
    }
    const labels = (options.labelNames ?? []).join(',');
    if (existing.type !== type || existing.labelNames.join(',') !== labels) {
      throw new MetricsError(`metric ${options.name} is already registered as a ${existing.type} with labels (${existing.labelNames.join(', ')})`);
    }
    // Same name, type and labels: the metric made the first time (a module imported twice asks again).
    return existing as M;
  }

  get(name: string): AnyMetric | undefined {
    return this.metrics.get(name);
  }

  /** Runs `collect` before each snapshot: to read totals kept elsewhere (CPU time) into counters. */
  onCollect(collect: () => void): void {
    this.collectors.push(collect);
  }

  /**
   * Every metric's current values, collectors run first; what a worker sends
   * the primary. `{ gauges: 'last' }` skips the gauges' collectors (memory,
   * event-loop delay, pools: what only a scrape shows) and sends their last
   * values: a worker's periodic push, which is there so that counters outlive
   * a killed worker, then costs no memory or heap statistics.
   */
  snapshot(options: { gauges?: 'collect' | 'last' } = {}): FamilySnapshot[] {
    for (const collect of this.collectors) collect();
    const collectGauges = options.gauges !== 'last';
    return [...this.metrics.values()].map((metric) => metric.snapshot(collectGauges));
  }

  clear(): void {
    this.metrics.clear();
    this.collectors.length = 0;
  }
}
