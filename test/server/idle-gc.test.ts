/**
 * server/idle-gc.ts: a worker collects once when it falls quiet after work,
 * once more when that collection left the young generation grown, not while
 * it works and not again while it stays idle. The check reads the process's
 * own CPU time; here the work is a synchronous spin, and the young
 * generation's size is given.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { collectWhenIdle, IDLE_GC_FLAGS, idleGcFlags } from '../../src/runtime/server/idle-gc.js';
import { ensureBuilt } from '../management/built.js';
import { REPO, runSync } from '../helpers/process.js';
import { until } from '../helpers/until.js';

/** Uses ~`ms` of CPU in this thread. */
function spin(ms: number): void {
  const start = process.cpuUsage();
  for (;;) {
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms) return;
  }
}

describe('collectWhenIdle', () => {
  it('collects once after work, and not again while nothing more is done', async () => {
    let collections = 0;
    let ticks = 0;
    const stop = collectWhenIdle({ quietMs: 100, gc: () => (collections += 1), youngBytes: () => 1024 * 1024 });
    // Counting ticks of our own, at the same period, to know when intervals have passed.
    const clock = setInterval(() => (ticks += 1), 100);
    try {
      spin(300);
      await until('a collection after the work', () => collections === 1);
      const after = ticks;
      await until('five more intervals', () => ticks >= after + 5);
      expect(collections).toBe(1);
      // More work: one more collection once quiet again.
      spin(300);
      await until('a second collection after more work', () => collections === 2);
    } finally {
      clearInterval(clock);
      stop();
    }
  });

  /**
   * Work, then quiet: resolves once the collection and its follow-up have
   * run and six more quiet intervals have passed, with how many ran in all.
   */
  async function collectionsAfterWork(youngBytes: (collections: number) => number): Promise<number> {
    let collections = 0;
    let ticks = 0;
    const stop = collectWhenIdle({ quietMs: 100, gc: () => (collections += 1), youngBytes: () => youngBytes(collections) });
    const clock = setInterval(() => (ticks += 1), 100);
    try {
      spin(300);
      await until('the collection and its follow-up', () => collections === 2);
      const after = ticks;
      await until('six more intervals', () => ticks >= after + 6);
      return collections;
    } finally {
      clearInterval(clock);
      stop();
    }
  }

  it('collects once more, and only once, when the first collection left the young generation grown', async () => {
    // What V8 would report: grown by the traffic until the follow-up (the second collection) shrinks it.
    expect(await collectionsAfterWork((collections) => (collections >= 2 ? 1024 * 1024 : 32 * 1024 * 1024))).toBe(2);
  });

  it('gives a grown young generation one follow-up only, even when V8 keeps it grown', async () => {
    expect(await collectionsAfterWork(() => 32 * 1024 * 1024)).toBe(2);
  });

  it('does not collect while the worker keeps working', async () => {
    let collections = 0;
    const stop = collectWhenIdle({ quietMs: 100, gc: () => (collections += 1) });
    try {
      // Busy across several intervals (spinning in slices so the timer can fire between them).
      for (let i = 0; i < 10; i++) {
        spin(90);
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(collections).toBe(0);
    } finally {
      stop();
    }
  });
});

describe('the idle collection\'s V8 flags', () => {
  it('are all used unless the command line or NODE_OPTIONS sets one, either way and in either spelling', () => {
    expect(idleGcFlags([])).toEqual([...IDLE_GC_FLAGS]);
    expect(idleGcFlags(['--max-old-space-size=200', '--expose-gc', 'dist/manage.js'])).toEqual([...IDLE_GC_FLAGS]);
    expect(idleGcFlags(['--no-compact-on-every-full-gc', '--flush_baseline_code'])).toEqual(['stress-flush-code']);
    expect(idleGcFlags(['--nostress-flush-code', '--compact_on_every_full_gc'])).toEqual(['flush-baseline-code']);
  });

  /**
   * In a node of its own, from the built runtime: 3000 functions are compiled
   * and run, then one idle collection; then they run again and a plain gc()
   * follows. Prints the bytecode size (V8's heap code statistics) at each step.
   */
  function bytecodeAcrossCollections(execArgv: string[]): { ran: number; idle: number; again: number; plain: number } {
    const idleGc = pathToFileURL(join(REPO, 'build', 'tsgate', 'dist', 'server', 'idle-gc.js')).href;
    const script = `
      import { getHeapCodeStatistics } from 'node:v8';
      import { idleCollector } from ${JSON.stringify(idleGc)};
      const bytecode = () => getHeapCodeStatistics().bytecode_and_metadata_size;
      const fns = new Function(Array.from({ length: 3000 }, (_, i) => 'function f' + i + '(a) { let s = 0; for (let j = 0; j < a; j++) s += j * ' + i + '; return s; }').join('\\n') + '; return [' + Array.from({ length: 3000 }, (_, i) => 'f' + i).join(',') + '];')();
      const runAll = () => fns.reduce((sum, f) => sum + f(3), 0);
      runAll();
      const ran = bytecode();
      const collect = idleCollector();
      collect();
      const idle = bytecode();
      runAll();
      const again = bytecode();
      globalThis.gc();
      console.log(JSON.stringify({ ran, idle, again, plain: bytecode() }));
    `;
    const result = runSync(process.execPath, [...execArgv, '--expose-gc', '--input-type=module', '-e', script], { cwd: REPO });
    expect(result.status, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as { ran: number; idle: number; again: number; plain: number };
  }

  beforeAll(() => ensureBuilt(), 300_000);

  it('drop the code of functions not running, for that collection only', () => {
    const sizes = bytecodeAcrossCollections([]);
    expect(sizes.idle).toBeLessThan(sizes.ran / 10);
    // Run again, the functions are compiled again (not the one-off function that made them); a plain collection afterwards keeps that code.
    expect(sizes.again).toBeGreaterThan(sizes.idle * 10);
    expect(sizes.plain).toBe(sizes.again);
  });

  it('leave a flag the user set alone', () => {
    const sizes = bytecodeAcrossCollections(['--no-stress-flush-code']);
    expect(sizes.idle).toBeGreaterThan(sizes.ran / 2);
  });
});

