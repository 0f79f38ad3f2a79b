/**
 * The primary process, after gunicorn's arbiter: it serves nothing, keeps
 * `workers` worker processes alive and turns signals into lifecycle changes.
 *
 *   TERM, INT   graceful stop: workers finish in-flight requests, exit 0
 *   QUIT        fast stop
 *   HUP         rolling reload: new workers take traffic before old ones drain
 *   TTIN, TTOU  one worker more, one fewer
 */
import cluster, { type Worker } from 'node:cluster';
import { lstatSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { ErrorLog } from './log.js';
import { HEARTBEAT_INTERVAL_MS, isWorkerMessage, WORKER_BOOT_ERROR, type PrimaryMessage } from './messages.js';
import { formatBind, OptionError, type ServerOptions } from './options.js';

interface WorkerRecord {
  worker: Worker;
  ready: boolean;
  /** Told to stop: not counted toward the target and not replaced. */
  retiring: boolean;
  /** Reported that it stopped accepting (it is out of the shared listener). */
  closed: boolean;
  startedAt: number;
  /** When the worker last showed that its event loop turns. */
  lastBeat: number;
  /** Killed for a missed heartbeat: replaced on exit, not killed twice. */
  killed: boolean;
  /** Served its --max-requests; retires when its replacement is ready. */
  recycling: boolean;
}

const MAX_BACKOFF_MS = 5000;
/** A worker that lived this long is not part of a crash loop. */
const HEALTHY_AFTER_MS = 5000;

/** Removes a stale unix socket left by a previous run, never any other file. */
function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // absent: nothing to remove
  }
}

export class Arbiter {
  private readonly records = new Map<number, WorkerRecord>();
  private readonly log: ErrorLog;
  private target: number;
  private stopping = false;
  private drainSent = false;
  private announced = false;
  private crashes = 0;
  private exitCode = 0;
  private resolveDone: (code: number) => void = () => {};

  constructor(
    private readonly options: ServerOptions,
    private readonly appSpec: string,
  ) {
    this.log = new ErrorLog(options.logLevel);
    this.target = options.workers;
  }

  /** Runs until the server stops; resolves to the process exit code. */
  run(): Promise<number> {
    for (const bind of this.options.binds) if ('path' in bind) removeStaleSocket(bind.path);
    this.writePidFile();
    // Handlers first: a TERM that arrives while we start must stop us gracefully, not kill us.
    this.installSignals();
    this.log.info(`Starting tsgate with ${this.appSpec}`);
    this.log.info(`Using worker: cluster (${this.target} workers)`);
    cluster.on('exit', (worker, code, signal) => this.onExit(worker, code, signal));
    if ((this.options.timeout ?? 30) > 0) setInterval(() => this.checkHeartbeats(), HEARTBEAT_INTERVAL_MS).unref();
    for (let i = 0; i < this.target; i++) this.spawn();
    return new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  private installSignals(): void {
    process.on('SIGTERM', () => this.stop(true, 'SIGTERM'));
    process.on('SIGINT', () => this.stop(true, 'SIGINT'));
    process.on('SIGQUIT', () => this.stop(false, 'SIGQUIT'));
    process.on('SIGHUP', () => this.reload());
    process.on('SIGTTIN', () => this.resize(this.target + 1));
    process.on('SIGTTOU', () => this.resize(this.target - 1));
  }

  private active(): WorkerRecord[] {
    return [...this.records.values()].filter((record) => !record.retiring);
  }

  private spawn(): void {
    const worker = cluster.fork();
    const now = Date.now();
    this.records.set(worker.id, { worker, ready: false, retiring: false, closed: false, killed: false, recycling: false, startedAt: now, lastBeat: now });
    worker.on('message', (message: unknown) => {
      if (!isWorkerMessage(message)) return;
      const record = this.records.get(worker.id);
      if (record) record.lastBeat = Date.now();
      switch (message.tsgate) {
        case 'ready':
          return this.onReady(worker);
        case 'closed':
          return this.onClosed(worker);
        case 'recycle':
          return this.recycle(worker);
        case 'boot-error':
          return this.onBootError(message.text);
        case 'heartbeat':
          return;
      }
    });
  }

  /**
   * `--max-requests`: the worker has served its share. Its replacement starts
   * first and it retires once the new one takes traffic (as in a reload):
   * node:cluster closes the shared listener when its last worker leaves, so
   * retiring first would refuse connections on a one-worker server.
   */
  private recycle(worker: Worker): void {
    const record = this.records.get(worker.id);
    if (!record || record.retiring || record.recycling || this.stopping) return;
    this.log.info(`Autorestarting worker after its max requests (pid:${worker.process.pid})`);
    record.recycling = true;
    this.spawn();
  }

  /** `--timeout`: a worker whose heartbeat stopped has a blocked event loop; kill it, and onExit replaces it. */
  private checkHeartbeats(): void {
    const limit = (this.options.timeout ?? 30) * 1000;
    const now = Date.now();
    for (const record of this.records.values()) {
      if (!record.ready || record.killed || now - record.lastBeat <= limit) continue;
      record.killed = true;
      this.log.log('critical', `WORKER TIMEOUT (pid:${record.worker.process.pid}): no heartbeat for ${Math.round((now - record.lastBeat) / 1000)} s; killing it`);
      record.worker.process.kill('SIGKILL');
    }
  }

  private onReady(worker: Worker): void {
    const record = this.records.get(worker.id);
    if (!record) return;
    record.ready = true;
    // A worker still booting when the stop (or its retirement) began could not hear it then.
    if (this.stopping || record.retiring) return this.send(worker, { tsgate: 'stop' });
    if (!this.announced) {
      this.announced = true;
      for (const bind of this.options.binds) this.log.info(`Listening at: ${formatBind(bind)} (${process.pid})`);
    }
    this.log.info(`Booting worker with pid: ${worker.process.pid}`);
    // A rolling reload retires one old worker per new one that takes traffic.
    const surplus = this.active().length - this.target;
    if (surplus > 0) {
      const others = this.active().filter((r) => r.worker.id !== worker.id && r.ready);
      const outgoing = others.find((r) => r.recycling) ?? others[0];
      if (outgoing) this.retire(outgoing);
    }
  }

  private onClosed(worker: Worker): void {
    const record = this.records.get(worker.id);
    if (!record) return;
    record.closed = true;
    if (this.stopping) this.drainWhenAllClosed();
    else if (record.retiring) this.send(worker, { tsgate: 'drain' });
  }

  /**
   * Once no worker accepts, node:cluster has closed the listening sockets:
   * only now may workers end keep-alive connections, so that their clients'
   * reconnections are refused rather than reset in a closing accept queue.
   */
  private drainWhenAllClosed(): void {
    if (this.drainSent || [...this.records.values()].some((record) => !record.closed)) return;
    this.drainSent = true;
    for (const { worker } of this.records.values()) this.send(worker, { tsgate: 'drain' });
  }

  private onBootError(text: string): void {
    if (this.stopping) return;
    this.log.error(`Worker failed to boot:\n${text}`);
    this.exitCode = WORKER_BOOT_ERROR;
    this.stop(false, 'boot error');
  }

  private onExit(worker: Worker, code: number | null, signal: string | null): void {
    const record = this.records.get(worker.id);
    this.records.delete(worker.id);
    if (this.stopping) {
      if (this.records.size === 0) this.finish();
      else this.drainWhenAllClosed();
      return;
    }
    if (!record || record.retiring) return;
    if (code === WORKER_BOOT_ERROR) return; // onBootError has stopped the server
    this.log.warning(`Worker (pid:${worker.process.pid}) exited with ${signal ?? `code ${code}`}`);
    const lived = Date.now() - record.startedAt;
    this.crashes = lived > HEALTHY_AFTER_MS ? 0 : this.crashes + 1;
    const delay = this.crashes === 0 ? 0 : Math.min(MAX_BACKOFF_MS, 100 * 2 ** this.crashes);
    setTimeout(() => {
      if (!this.stopping && this.active().length < this.target) this.spawn();
    }, delay);
  }

  private retire(record: WorkerRecord): void {
    record.retiring = true;
    this.send(record.worker, { tsgate: 'stop' });
  }

  private send(worker: Worker, message: PrimaryMessage): void {
    if (!worker.isConnected()) return;
    // A worker can exit between the check and the write (EPIPE); with no
    // callback that error would be thrown in the primary. onExit handles the exit.
    worker.send(message, (error) => {
      if (error) this.log.debug(`Could not message worker (pid:${worker.process.pid}): ${error.message}`);
    });
  }

  private reload(): void {
    if (this.stopping) return;
    this.log.info('Handling signal: hup; starting new workers before retiring old ones');
    for (let i = 0; i < this.target; i++) this.spawn();
  }

  private resize(count: number): void {
    if (this.stopping || count < 1) return;
    this.target = count;
    this.log.info(`Changing worker count to ${count}`);
    const active = this.active();
    if (active.length < count) this.spawn();
    else if (active.length > count) {
      const outgoing = active.find((record) => record.ready) ?? active[0];
      if (outgoing) this.retire(outgoing);
    }
  }

  private stop(graceful: boolean, reason: string): void {
    if (this.stopping && graceful) return;
    this.stopping = true;
    this.log.info(`Handling ${reason}: ${graceful ? 'graceful' : 'fast'} stop`);
    if (this.records.size === 0) return this.finish();
    for (const { worker, ready } of this.records.values()) {
      if (!graceful) worker.process.kill('SIGQUIT');
      else if (ready) this.send(worker, { tsgate: 'stop' });
    }
    const deadline = graceful ? this.options.gracefulTimeout * 1000 + 1000 : 2000;
    setTimeout(() => {
      for (const { worker } of this.records.values()) worker.process.kill('SIGKILL');
    }, deadline).unref();
  }

  private writePidFile(): void {
    const file = this.options.pidFile;
    if (!file) return;
    try {
      writeFileSync(file, `${process.pid}\n`);
    } catch (error) {
      throw new OptionError(`--pid ${file}: ${(error as Error).message}`);
    }
    process.once('exit', () => rmSync(file, { force: true }));
  }

  private finish(): void {
    this.log.info('Shutting down: primary');
    this.resolveDone(this.exitCode);
  }
}
