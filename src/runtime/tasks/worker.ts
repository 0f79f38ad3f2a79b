/**
 * The worker loop behind `manage worker`: claim up to `concurrency` due
 * tasks at a time, run them (async functions, side by side in this
 * process), report the outcomes back in batches, and keep the leases of the
 * running ones renewed so no other worker takes them.
 *
 * Stopping, with the server's discipline: `stop('graceful')` (TERM, INT)
 * claims nothing more, lets the running tasks finish for up to
 * `gracefulTimeout` seconds, then gives the rest back (READY again, the
 * attempt not counted) and resolves 0; `stop('now')` (QUIT, or a second
 * TERM) gives them back at once. A worker that dies without either leaves
 * its leases to run out: recover() — which every worker calls every half
 * visibility timeout — hands its tasks to another.
 */
import { hostname } from 'node:os';
import { logger } from '../logging/index.js';
import { scheduledTasks } from './registry.js';
import { runClaimed } from './run.js';
import { enqueueSlot } from './task.js';
import type { ClaimedTask, Outcome, QueueBackend } from './types.js';

export interface WorkerOptions {
  /** Queues to take tasks from; empty: all. */
  queues: readonly string[];
  /** Tasks run at once in this process. */
  concurrency: number;
  /** Exit 0 once no task is due or running. */
  burst: boolean;
  /** Seconds a graceful stop waits for running tasks. */
  gracefulTimeout: number;
}

/** How often finished successful tasks older than the retention are deleted (db). */
const PURGE_INTERVAL_MS = 10 * 60 * 1000;

export class Worker {
  readonly id = `${hostname().slice(0, 60)}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  private readonly active = new Map<string, ClaimedTask>();
  /**
   * Tasks run to an outcome not yet recorded: their leases are renewed too,
   * or a finish waiting behind a slow batch would let the lease run out and
   * another worker's recover() would run the task a second time.
   */
  private readonly finishing = new Set<string>();
  private outcomes: Outcome[] = [];
  private flushing: Promise<void> | undefined;
  private state: 'running' | 'graceful' | 'now' = 'running';
  /** Wakes the loop: a slot freed, or a stop. */
  private wake: (() => void) | undefined;
  private timers: NodeJS.Timeout[] = [];
  /** Tasks run to an outcome since start. */
  processed = 0;

  constructor(
    private readonly backend: QueueBackend,
    private readonly options: WorkerOptions,
    private readonly results: number = 7 * 24 * 60 * 60,
  ) {}

  private lease(): number {
    return Date.now() + this.backend.visibility * 1000;
  }

  private nudge(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Waits up to `ms`, or until nudged. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Sends the outcomes gathered so far, one batch at a time. */
  private flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.outcomes.length === 0) return Promise.resolve();
    const batch = this.outcomes;
    this.outcomes = [];
    this.flushing = this.backend
      .finish(this.id, batch, Date.now())
      .catch((error: unknown) => {
        // Not recorded: the tasks stay RUNNING until their lease runs out, then run again (at least once).
        logger.error(`worker ${this.id}: could not record ${batch.length} finished task(s): ${error instanceof Error ? error.message : String(error)}`);
      })
      .finally(() => {
        // Recorded, or not (then the lease runs out as the comment above says).
        for (const outcome of batch) this.finishing.delete(outcome.id);
        this.flushing = undefined;
        if (this.outcomes.length > 0) void this.flush();
      });
    return this.flushing;
  }

  private start(claimed: ClaimedTask): void {
    this.active.set(claimed.id, claimed);
    void runClaimed(claimed).then((outcome) => {
      // A task given back by stop('now') has no outcome to report: another worker runs it.
      if (!this.active.delete(claimed.id)) return;
      this.processed += 1;
      if (!outcome.ok) {
        const first = outcome.error.split('\n')[0];
        if (outcome.retryAt === null) logger.error(`task ${claimed.name} ${claimed.id} failed for good after ${claimed.attempts} attempt(s): ${first}`);
        else logger.warning(`task ${claimed.name} ${claimed.id} failed (attempt ${claimed.attempts} of ${claimed.maxAttempts}), retrying in ${Math.max(0, Math.round((outcome.retryAt - Date.now()) / 100) / 10)} s: ${first}`);
      }
      this.finishing.add(claimed.id);
      this.outcomes.push(outcome);
      void this.flush();
      this.nudge();
    });
  }

  private every(ms: number, work: () => Promise<unknown>): void {
    const timer = setInterval(() => {
      work().catch((error: unknown) => logger.warning(`worker ${this.id}: ${error instanceof Error ? error.message : String(error)}`));
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  /** Stops taking tasks; see the module comment. */
  stop(how: 'graceful' | 'now'): void {
    if (this.state === 'now') return;
    this.state = how;
    this.nudge();
  }

  get stopping(): boolean {
    return this.state !== 'running';
  }

  /** Runs until stopped (or, with burst, until nothing is left); resolves with the exit code. */
  async run(): Promise<number> {
    const { queues, concurrency, burst } = this.options;
    const visibilityMs = this.backend.visibility * 1000;
    await this.backend.recover(Date.now());
    this.every(Math.max(100, visibilityMs / 3), () => this.backend.extend(this.id, [...this.active.keys(), ...this.finishing], this.lease()));
    this.every(Math.max(100, visibilityMs / 2), () => this.backend.recover(Date.now()));
    this.every(PURGE_INTERVAL_MS, () => this.backend.purge(Date.now() - this.results * 1000));
    this.scheduleTasks();
    try {
      while (this.state === 'running') {
        const free = concurrency - this.active.size;
        if (free <= 0) {
          await this.pause(1000);
          continue;
        }
        let claimed: ClaimedTask[];
        try {
          claimed = await this.backend.claim(this.id, queues, free, Date.now(), this.lease());
        } catch (error) {
          logger.warning(`worker ${this.id}: cannot claim tasks: ${error instanceof Error ? error.message : String(error)}; trying again`);
          await this.pause(Math.max(1000, this.backend.poll * 1000));
          continue;
        }
        // Stopped while the claim was on its way: give them straight back.
        if (this.state !== 'running') {
          await this.backend.release(this.id, claimed.map((task) => task.id));
          break;
        }
        for (const task of claimed) this.start(task);
        if (claimed.length > 0) continue;
        if (burst && this.active.size === 0) {
          await this.flush();
          if ((await this.backend.pending(queues, Date.now())) === 0) break;
        }
        await this.pause(this.backend.poll * 1000);
      }
      if (this.state === 'graceful') await this.drain();
      await this.giveBack();
      await this.flush();
      while (this.flushing) await this.flushing;
      return 0;
    } finally {
      for (const timer of this.timers) clearInterval(timer);
    }
  }

  /**
   * Enqueues each scheduled task's slots as they come due (from the next one
   * after start: a slot that passed while no worker ran is not made up).
   * Every worker does; the slot's id lets only one of them enqueue it.
   */
  private scheduleTasks(): void {
    const scheduled = scheduledTasks();
    if (scheduled.length === 0) return;
    const next = new Map(scheduled.map((definition) => [definition, definition.schedule?.next(new Date()).getTime() ?? Infinity]));
    let busy = false;
    const tick = async () => {
      if (busy || this.state !== 'running') return;
      busy = true;
      try {
        const now = Date.now();
        for (const [definition, due] of next) {
          let slot = due;
          while (slot <= now && definition.schedule) {
            await enqueueSlot(definition, slot, this.backend);
            slot = definition.schedule.next(new Date(slot)).getTime();
          }
          next.set(definition, slot);
        }
      } finally {
        busy = false;
      }
    };
    this.every(scheduled.some((definition) => definition.schedule?.seconds) ? 200 : 1000, tick);
  }

  /** Waits for the running tasks, up to gracefulTimeout, or until stop('now'). */
  private async drain(): Promise<void> {
    const deadline = Date.now() + this.options.gracefulTimeout * 1000;
    while (this.active.size > 0 && this.state === 'graceful' && Date.now() < deadline) {
      await this.pause(Math.min(1000, Math.max(1, deadline - Date.now())));
    }
    if (this.active.size > 0) {
      logger.warning(`worker ${this.id}: ${this.active.size} task(s) still running ${this.state === 'now' ? 'at the immediate stop' : `after ${this.options.gracefulTimeout} s`}; giving them back to the queue`);
    }
  }

  /** Whatever is still running goes back to READY, for another worker. */
  private async giveBack(): Promise<void> {
    const ids = [...this.active.keys()];
    this.active.clear();
    if (ids.length > 0) await this.backend.release(this.id, ids);
  }
}
