/**
 * The primary process, after gunicorn's arbiter: it owns the listening
 * sockets (listeners.ts) for the server's whole life, accepts on them and
 * hands each connection to a worker in turn (dispatch.ts), serves nothing, keeps
 * `workers` worker processes alive and turns signals into lifecycle changes.
 *
 *   TERM, INT   graceful stop: workers finish in-flight requests, exit 0
 *   QUIT        fast stop
 *   HUP         rolling reload: new workers take traffic before old ones drain
 *   TTIN, TTOU  one worker more, one fewer
 */
import { fork, type ChildProcess, type SendHandle } from 'node:child_process';
import { lstatSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { workerExecArgv } from '../logging/index.js';
import { MetricsHub, type WorkerExit } from '../metrics/index.js';
import { Dispatcher } from './dispatch.js';
import { acceptOn, closeListeners, openListeners, type Listener } from './listeners.js';
import { ErrorLog, plural } from './log.js';
import { HEARTBEAT_INTERVAL_MS, isWorkerMessage, WORKER_BOOT_ERROR, WORKER_ENV, type PrimaryMessage } from './messages.js';
import { OptionError, type ServerOptions } from './options.js';

interface WorkerRecord {
  /** 1, 2, …: in the order the workers were forked. */
  id: number;
  process: ChildProcess;
  ready: boolean;
  /** Told to stop: not counted toward the target and not replaced. */
  retiring: boolean;
  /** Reported that it takes no more connections. */
  closed: boolean;
  /** When the worker last showed that its event loop turns. */
  lastBeat: number;
  /** Killed for a missed heartbeat: replaced on exit, not killed twice. */
  killed: boolean;
  /** Served its --max-requests; retires when its replacement is ready. */
  recycling: boolean;
}

/** Longest wait before forking again after workers that failed to boot. */
const MAX_BACKOFF_MS = 5000;

/** Removes a stale unix socket left by a previous run, never any other file. */
function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // absent: nothing to remove
  }
}

/** For `tsgate_worker_exits_total`: told to go, killed for a missed heartbeat, or anything else. */
function exitReason(record: WorkerRecord, code: number | null, stopping: boolean): WorkerExit {
  if (record.killed) return 'killed';
  return (record.retiring || stopping) && code === 0 ? 'retired' : 'crashed';
}

export class Arbiter {
  private readonly records = new Map<number, WorkerRecord>();
  private readonly log: ErrorLog;
  private listeners: Listener[] = [];
  private readonly dispatcher = new Dispatcher();
  private nextId = 1;
  private target: number;
  private stopping = false;
  private finished = false;
  private drainSent = false;
  private announced = false;
  private readyReported = false;
  /** Workers in a row that exited before they were ready: the back-off grows with it. */
  private bootFailures = 0;
  private exitCode = 0;
  private resolveDone: (code: number) => void = () => {};
  /** `--metrics-bind`: the workers' metrics, summed, on a listener of the primary's own. */
  private readonly metrics: MetricsHub | undefined;

  constructor(
    private readonly options: ServerOptions,
    private readonly appSpec: string,
  ) {
    this.log = new ErrorLog(options.logLevel, options.logJson);
    this.target = options.workers;
    if (options.metricsBind) this.metrics = new MetricsHub(options.metricsBind);
  }

  /** Runs until the server stops; resolves to the process exit code. */
  run(): Promise<number> {
    const done = new Promise<number>((resolve) => {
      this.resolveDone = resolve;
    });
    for (const bind of this.options.binds) if ('path' in bind) removeStaleSocket(bind.path);
    this.writePidFile();
    // Handlers first: a TERM that arrives while we start must stop us gracefully, not kill us.
    this.installSignals();
    this.log.info(`Starting tsgate with ${this.appSpec}`);
    void this.start();
    return done;
  }

  private async start(): Promise<void> {
    try {
      this.listeners = await openListeners(this.options.binds);
    } catch (error) {
      if (!(error instanceof OptionError)) throw error;
      this.log.error(error.message);
      this.exitCode = 1;
      return this.finish();
    }
    if (this.stopping) return this.finish();
    try {
      // Accepting before any worker is ready: connections wait in the dispatcher, never refused.
      acceptOn(this.listeners, (client, index) => this.dispatcher.dispatch(client, index));
    } catch (error) {
      if (!(error instanceof OptionError)) throw error;
      this.log.error(error.message);
      this.exitCode = 1;
      return this.finish();
    }
    if (this.metrics) {
      try {
        this.log.info(`Serving metrics at: ${await this.metrics.listen()}`);
      } catch (error) {
        this.log.error(`cannot serve metrics: ${(error as Error).message}`);
        this.exitCode = 1;
        return this.finish();
      }
    }
    this.log.info(`Using worker: cluster (${plural(this.target, 'worker')})`);
    if ((this.options.timeout ?? 30) > 0) setInterval(() => this.checkHeartbeats(), HEARTBEAT_INTERVAL_MS).unref();
    for (let i = 0; i < this.target; i++) this.spawn();
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

  /** Forks a worker: the same program and arguments, marked as a worker by its environment. */
  private spawn(): void {
    const id = this.nextId++;
    const child = fork(process.argv[1] as string, process.argv.slice(2), {
      env: { ...process.env, [WORKER_ENV]: String(id) },
      // node 22: the cheap AsyncLocalStorage, so log lines keep a request's ids across awaits (logging/context.ts).
      execArgv: workerExecArgv(),
    });
    const record: WorkerRecord = { id, process: child, ready: false, retiring: false, closed: false, killed: false, recycling: false, lastBeat: Date.now() };
    this.records.set(id, record);
    this.metrics?.attach(id, child);
    child.on('error', (error) => this.log.debug(`Worker (pid:${child.pid}): ${error.message}`));
    child.on('exit', (code, signal) => this.onExit(record, code, signal));
    child.on('message', (message: unknown) => {
      if (!isWorkerMessage(message)) return;
      record.lastBeat = Date.now();
      switch (message.tsgate) {
        case 'ready':
          return this.onReady(record);
        case 'closed':
          return this.onClosed(record);
        case 'recycle':
          return this.recycle(record);
        case 'boot-error':
          return this.onBootError(message.text);
        case 'heartbeat':
          return;
      }
    });
  }

  /**
   * `--max-requests`: the worker has served its share. Its replacement starts
   * first and it retires once the new one takes traffic (as in a reload), so
   * that a one-worker server never has a moment with no worker accepting.
   */
  private recycle(record: WorkerRecord): void {
    if (record.retiring || record.recycling || this.stopping) return;
    this.log.info(`Autorestarting worker after its max requests (pid:${record.process.pid})`);
    record.recycling = true;
    this.metrics?.recycled();
    this.spawn();
  }

  /** `--timeout`: a worker whose heartbeat stopped has a blocked event loop; kill it, and onExit replaces it. */
  private checkHeartbeats(): void {
    const limit = (this.options.timeout ?? 30) * 1000;
    const now = Date.now();
    for (const record of this.records.values()) {
      if (!record.ready || record.killed || now - record.lastBeat <= limit) continue;
      record.killed = true;
      this.metrics?.timedOut();
      this.log.log('critical', `WORKER TIMEOUT (pid:${record.process.pid}): no heartbeat for ${Math.round((now - record.lastBeat) / 1000)} s; killing it`);
      record.process.kill('SIGKILL');
    }
  }

  private onReady(record: WorkerRecord): void {
    record.ready = true;
    this.bootFailures = 0;
    this.metrics?.booted();
    // A worker still booting when the stop (or its retirement) began could not hear it then.
    if (this.stopping || record.retiring) return this.send(record, { tsgate: 'stop' });
    if (!this.announced) {
      this.announced = true;
      for (const listener of this.listeners) this.log.info(`Listening at: ${listener.address} (${process.pid})`);
    }
    this.log.info(`Booting worker with pid: ${record.process.pid}`);
    this.dispatcher.add(record.process);
    // A rolling reload retires one old worker per new one that takes traffic.
    const surplus = this.active().length - this.target;
    if (surplus > 0) {
      const others = this.active().filter((r) => r !== record && r.ready);
      const outgoing = others.find((r) => r.recycling) ?? others[0];
      if (outgoing) this.retire(outgoing);
    }
    if (!this.readyReported && this.active().filter((r) => r.ready).length >= this.target) {
      this.readyReported = true;
      this.options.onReady?.();
    }
  }

  private onClosed(record: WorkerRecord): void {
    record.closed = true;
    if (this.stopping) this.drainWhenAllClosed();
    else if (record.retiring) this.send(record, { tsgate: 'drain' });
  }

  /**
   * Once every worker has taken the connections already sent to it (and the
   * sockets closed when the stop began): only now may workers end keep-alive
   * connections, so that their clients' reconnections are refused rather
   * than left waiting for a worker that will never take them.
   */
  private drainWhenAllClosed(): void {
    if (this.drainSent || [...this.records.values()].some((record) => !record.closed)) return;
    this.drainSent = true;
    this.closeListeners();
    for (const record of this.records.values()) this.send(record, { tsgate: 'drain' });
  }

  private onBootError(text: string): void {
    if (this.stopping) return;
    this.log.error(`Worker failed to boot:\n${text}`);
    this.exitCode = WORKER_BOOT_ERROR;
    this.stop(false, 'boot error');
  }

  private onExit(record: WorkerRecord, code: number | null, signal: string | null): void {
    this.records.delete(record.id);
    this.metrics?.exited(record.id, exitReason(record, code, this.stopping));
    const pid = record.process.pid;
    if (this.stopping) {
      if (this.records.size === 0) this.finish();
      else this.drainWhenAllClosed();
      return;
    }
    if (record.retiring) return this.log.info(`Worker exiting (pid:${pid})`);
    if (code === WORKER_BOOT_ERROR) return; // onBootError has stopped the server
    this.log.warning(`Worker (pid:${pid}) exited with ${signal ?? `code ${code}`}`);
    const delay = this.restartDelay(record, signal);
    if (delay > 0) this.log.warning(`Worker (pid:${pid}) exited before it was ready; starting another in ${delay} ms`);
    const replace = () => {
      if (!this.stopping && this.active().length < this.target) this.spawn();
    };
    if (delay === 0) replace();
    else setTimeout(replace, delay);
  }

  /**
   * A worker killed by a signal (an operator, the OOM killer, --timeout) is
   * replaced at once. One that exited by itself before it was ready failed
   * to boot, and its replacement would likely fail too: each such failure in
   * a row doubles the wait, up to 5 s.
   */
  private restartDelay(record: WorkerRecord, signal: string | null): number {
    if (signal !== null || record.ready) return 0;
    this.bootFailures += 1;
    return Math.min(MAX_BACKOFF_MS, 100 * 2 ** this.bootFailures);
  }

  private retire(record: WorkerRecord): void {
    record.retiring = true;
    this.dispatcher.remove(record.process);
    this.log.info(`Retiring worker (pid:${record.process.pid})`);
    this.send(record, { tsgate: 'stop' });
  }

  private send(record: WorkerRecord, message: PrimaryMessage, handle?: SendHandle): void {
    const child = record.process;
    if (!child.connected) return;
    // A worker can exit between the check and the write (EPIPE); with no
    // callback that error would be thrown in the primary. onExit handles the exit.
    child.send(message, handle, (error) => {
      if (error) this.log.debug(`Could not message worker (pid:${child.pid}): ${error.message}`);
    });
  }

  private reload(): void {
    if (this.stopping) return;
    this.log.info('Handling signal: hup; starting new workers before retiring old ones');
    this.metrics?.reloaded();
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
    // New clients are refused from now on; open connections finish (graceful) in their workers.
    this.closeListeners();
    if (this.records.size === 0) return this.finish();
    for (const record of this.records.values()) {
      if (!graceful) record.process.kill('SIGQUIT');
      else if (record.ready) this.send(record, { tsgate: 'stop' });
    }
    const deadline = graceful ? this.options.gracefulTimeout * 1000 + 1000 : 2000;
    setTimeout(() => {
      for (const record of this.records.values()) record.process.kill('SIGKILL');
    }, deadline).unref();
  }

  private closeListeners(): void {
    this.dispatcher.close();
    closeListeners(this.listeners);
    this.listeners = [];
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
    if (this.finished) return;
    this.finished = true;
    this.closeListeners();
    this.metrics?.close();
    this.log.info('Shutting down: primary');
    this.resolveDone(this.exitCode);
  }
}
