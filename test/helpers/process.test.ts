/** Spawned.waitFor: woken by output, and failing with the output so far when the process exits or time runs out. */
import { expect, test } from 'vitest';
import { Spawned } from './process.js';

test('waitFor resolves on the line that arrives, also after the process has exited', async () => {
  const waiting = new Spawned('sh', ['-c', 'sleep 0.2; echo ready 42; sleep 5']);
  expect((await waiting.waitFor(/ready (\d+)/))[1]).toBe('42');
  waiting.killGroup();
  const exited = new Spawned('sh', ['-c', 'echo late-line']);
  await exited.exited;
  expect((await exited.waitFor(/late-(\w+)/))[1]).toBe('line');
});

test('waitFor fails with the output when the process exits or the time runs out', async () => {
  const exiting = new Spawned('sh', ['-c', 'echo said this; exit 3']);
  await expect(exiting.waitFor(/never/)).rejects.toThrow(/process exited[\s\S]*said this/);
  const silent = new Spawned('sleep', ['5']);
  await expect(silent.waitFor(/never/, 200)).rejects.toThrow(/timed out/);
  silent.killGroup();
});
