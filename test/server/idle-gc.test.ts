/**
 * server/idle-gc.ts: a worker collects once when it falls quiet after work,
 * once more when that collection left the young generation grown, not while
 * it works and not again while it stays idle. The check reads the process's
 * own CPU time; here the work is a synchronous spin, and the young
 * generation's size is given.
 */
import { describe, expect, it } from 'vitest';
import { collectWhenIdle } from '../../src/runtime/server/idle-gc.js';
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
