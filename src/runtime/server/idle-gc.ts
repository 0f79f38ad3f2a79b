/**
 * A full, compacting garbage collection when a worker falls quiet after
 * work: V8 keeps the heap it grew under load (heapTotal ~32 MB for ~16 MB
 * used after 200 welcome-page requests) and node never tells it that the
 * process is idle. Measured on a generated project's worker: RSS 82 → 71 MB
 * after one collection, which takes ~10–20 ms of a worker nobody is waiting
 * on.
 *
 * The young generation needs a second one. V8 gives its semi-spaces back
 * (16 MB each once traffic has grown them) only in a collection that finds
 * the recent allocation rate low, which it reckons over the last 5 s of
 * samples taken at collections: the first collection after traffic still
 * counts the traffic and keeps them, and so does one a single 5 s interval
 * later (the interval is a few ms short of 5 s once the collection's own
 * time is out), while one two intervals later shrinks them to 1 MB.
 * Measured on node 20 in a generated project's worker after 3000 requests:
 * 113 MB, 108 MB after the first collection, 101 MB after one 5 s later,
 * ~70 MB after one 10 s later. So when the young generation is still grown
 * after a collection, the second quiet interval after it collects once more.
 *
 * Nothing on the request path: every QUIET_MS the worker's own CPU time is
 * read; it collects when the last interval used almost none (quiet) and
 * enough was used since the previous collection (boot, or traffic) to have
 * left garbage, or when the previous collection left the young generation
 * grown. A busy worker never collects this way.
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** How often the worker looks. bench/idle-rss.js waits for IDLE_SETTLED_INTERVALS of these. */
export const QUIET_MS = 5000;
/** Quiet intervals after a collection that left the young generation grown until the one that shrinks it (see above). */
const FOLLOW_UP_INTERVALS = 2;
/**
 * Intervals after the end of traffic by which both collections have run when
 * the worker is truly idle: the interval the traffic ended in is not quiet,
 * the next collects, two more collect again. (CPU of the traffic's tail, a
 * background compile or a timer's work, can push each back by an interval.)
 */
export const IDLE_SETTLED_INTERVALS = 2 + FOLLOW_UP_INTERVALS;
/** CPU in one interval under which the worker counts as quiet… */
const QUIET_CPU_US = 20_000;
/** …and the CPU since the last collection above which one is worth it. */
const WORK_CPU_US = 200_000;
/**
 * A young generation above this after a collection is still the size traffic
 * grew it to: V8 starts it at 1 MB (node 20–24 report `new_space` as 1 MB
 * when shrunk) and doubles it as it grows.
 */
const YOUNG_GROWN_BYTES = 2 * 1024 * 1024;

/**
 * V8 flags switched on for the idle collection only, then off again:
 * - `--stress-flush-code` and `--flush-baseline-code`: drop the bytecode and
 *   baseline code of every function not running now. V8 ages bytecode only
 *   in collections it starts itself, never in a gc() call, so an idle worker
 *   kept the code of everything it ever ran, start-up included; a function
 *   called again is compiled again from its source (kept), on first use.
 * - `--compact-on-every-full-gc`: move the survivors onto as few pages as
 *   possible, so that the pages the collection emptied are given back. A
 *   plain gc() compacts only the most fragmented pages, and freed objects
 *   spread over half-used pages stay resident.
 * Measured on a generated project's worker after 200 welcome-page requests
 * (node 20): V8's heap 16.8 → 13.3 MB committed, 12.9 → 10.7 MB used, the
 * bytecode 0.85 → 0.26 MB. Its cost is paid once by the first requests after
 * an idle spell (recompiling what they run; bench/idle-rss.js measures it).
 * A flag the worker's own command line or NODE_OPTIONS sets (`--x`, `--no-x`)
 * is left as the user set it.
 */
export const IDLE_GC_FLAGS = ['stress-flush-code', 'flush-baseline-code', 'compact-on-every-full-gc'] as const;

/** A V8 flag's name as given (`--no-flush_bytecode`, `--noflush-bytecode`) → `flush-bytecode`; '' for what is not a flag. */
function flagName(arg: string): string {
  const match = /^--(?:no-?)?([a-z][\w-]*)/.exec(arg);
  return match?.[1]?.replaceAll('_', '-') ?? '';
}

/** The IDLE_GC_FLAGS that `userArgs` (node's options and NODE_OPTIONS) do not set either way. */
export function idleGcFlags(userArgs: readonly string[] = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)]): string[] {
  const set = new Set(userArgs.map(flagName));
  return IDLE_GC_FLAGS.filter((flag) => !set.has(flag));
}

/**
 * One idle collection: V8's gc() twice, under the idle flags above. The
 * semi-space pages a collection gives back stay in V8's page pool, still
 * resident, until the next collection frees them (a worker measured 78.6 MB
 * for 15 s after the collection that shrank its young generation, where one
 * followed by another came to 70.5); the second, on a heap just collected,
 * costs a few ms. gc() is taken without putting it on the application's
 * globalThis: a fresh context gets it once the flag is set.
 */
export function idleCollector(flags: readonly string[] = idleGcFlags()): (() => void) | undefined {
  let gc: unknown = (globalThis as { gc?: unknown }).gc;
  if (typeof gc !== 'function') {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc');
    } catch {
      return undefined;
    }
  }
  if (typeof gc !== 'function') return undefined;
  const collect = gc as () => void;
  return () => {
    for (const flag of flags) setFlagsFromString(`--${flag}`);
    try {
      collect();
      collect();
    } finally {
      for (const flag of flags) setFlagsFromString(`--no-${flag}`);
    }
  };
}

/** The young generation's current capacity (V8's `new_space`), in bytes. */
export function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
}

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

export interface IdleCollectionOptions {
  /** How often to look (default QUIET_MS). */
  quietMs?: number;
  /** The collection: V8's gc() unless a test gives another. */
  gc?: () => void;
  /** The young generation's size in bytes after a collection (default: V8's). */
  youngBytes?: () => number;
}

/** Starts the check (an unref'd timer: it never keeps the worker alive); returns what stops it. */
export function collectWhenIdle({ quietMs = QUIET_MS, gc, youngBytes = youngGenerationBytes }: IdleCollectionOptions = {}): () => void {
  /** null: not looked up yet; undefined: V8 would not give it (then nothing is collected). */
  let collect: (() => void) | undefined | null = gc ?? null;
  let previous = cpuMicros();
  let collected = 0;
  /** Quiet intervals left until the follow-up collection; 0 when none is due. */
  let followUpIn = 0;
  const timer = setInterval(() => {
    const now = cpuMicros();
    const quiet = now - previous < QUIET_CPU_US;
    previous = now;
    if (!quiet) return;
    const worked = now - collected >= WORK_CPU_US;
    if (!worked) {
      if (followUpIn === 0) return;
      followUpIn -= 1;
      if (followUpIn > 0) return;
    }
    if (collect === null) collect = idleCollector();
    if (!collect) return;
    collect();
    // A collection after work that left the young generation grown gets one follow-up; the follow-up gets none.
    followUpIn = worked && youngBytes() > YOUNG_GROWN_BYTES ? FOLLOW_UP_INTERVALS : 0;
    // The collection's own CPU is not work that calls for another.
    previous = collected = cpuMicros();
  }, quietMs);
  timer.unref();
  return () => clearInterval(timer);
}
