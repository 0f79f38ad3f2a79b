/**
 * The primary's side: it keeps every worker's latest metrics (aggregate.ts),
 * counts what happens to the workers, and answers scrapes on a listener of
 * its own (`--metrics-bind`), never on the application's port. A scrape asks
 * every live worker for fresh numbers and waits briefly for them; a worker
 * that does not answer in time is counted with the numbers it last sent.
 */
import type { ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { Aggregator } from './aggregate.js';
import { registerBuildInfo } from './build-info.js';
import { CONTENT_TYPE, render } from './exposition.js';
import { isSnapshotMessage, type CollectRequest } from './ipc.js';
import { Registry } from './registry.js';

/** Where to serve metrics: as server/options.ts's Bind. */
export type MetricsBind = { host: string; port: number } | { path: string };

/** How long a scrape waits for the workers' answers. */
export const COLLECT_TIMEOUT_MS = 1000;

export type WorkerExit = 'retired' | 'crashed' | 'killed';

export class MetricsHub {
  private readonly aggregator = new Aggregator();
  private readonly own = new Registry();
  private readonly workers = new Map<number, ChildProcess>();
  private readonly waiting = new Map<number, { pending: Set<number>; done: () => void }>();
  private nextRequest = 1;
  private server: Server | undefined;
  private readonly boots;
  private readonly exits;
  private readonly timeouts;
  private readonly recycles;
  private readonly reloads;

  constructor(private readonly bind: MetricsBind) {
    this.boots = this.own.counter({ name: 'tsgate_worker_boots_total', help: 'Workers that booted and took traffic' });
    this.exits = this.own.counter({ name: 'tsgate_worker_exits_total', help: 'Workers that exited: retired (reload, recycle, scale down), crashed, or killed (heartbeat timeout)', labelNames: ['reason'] });
    this.timeouts = this.own.counter({ name: 'tsgate_worker_timeouts_total', help: 'Workers killed because their heartbeat stopped (--timeout)' });
    // Every reason from the start, so that rate() and increase() see the first exit.
    for (const reason of ['retired', 'crashed', 'killed'] as const) this.exits.inc({ reason }, 0);
    this.recycles = this.own.counter({ name: 'tsgate_worker_recycles_total', help: 'Workers replaced after --max-requests' });
    this.reloads = this.own.counter({ name: 'tsgate_reloads_total', help: 'Rolling reloads (HUP)' });
    this.own.gauge({ name: 'tsgate_workers', help: 'Worker processes alive', collect: (g) => g.set(this.workers.size) });
    registerBuildInfo(this.own);
  }

  /** Starts the metrics listener; resolves to its address, rejects when it cannot listen. */
  listen(): Promise<string> {
    const server = createServer((req, res) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('Method Not Allowed\n');
        return;
      }
      const path = (req.url ?? '/').split('?')[0];
      if (path !== '/metrics' && path !== '/') {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found: metrics are at /metrics\n');
        return;
      }
      void this.scrape().then((text) => {
        res.writeHead(200, { 'Content-Type': CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text) });
        res.end(req.method === 'HEAD' ? undefined : text);
      });
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      const done = () => {
        server.off('error', reject);
        const address = server.address();
        if (typeof address === 'string' || address === null) return resolve(`unix:${String(address)}`);
        const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
        resolve(`http://${host}:${address.port}/metrics`);
      };
      if ('path' in this.bind) server.listen(this.bind.path, done);
      else server.listen(this.bind.port, this.bind.host, done);
    });
  }

  close(): void {
    this.server?.close();
    this.server?.closeAllConnections();
  }

  /** A worker was forked: its snapshots are kept from now on. */
  attach(id: number, child: ChildProcess): void {
    this.workers.set(id, child);
    child.on('message', (message: unknown) => {
      if (!isSnapshotMessage(message) || !this.workers.has(id)) return;
      this.aggregator.update(id, message.families);
      if (message.id === undefined) return;
      const waiting = this.waiting.get(message.id);
      waiting?.pending.delete(id);
      if (waiting?.pending.size === 0) waiting.done();
    });
  }

  booted(): void {
    this.boots.inc();
  }

  /** A worker exited: its counts join the totals, and no scrape waits for it. */
  exited(id: number, reason: WorkerExit): void {
    this.workers.delete(id);
    this.aggregator.retire(id);
    this.exits.inc({ reason });
    for (const waiting of this.waiting.values()) {
      waiting.pending.delete(id);
      if (waiting.pending.size === 0) waiting.done();
    }
  }

  timedOut(): void {
    this.timeouts.inc();
  }

  recycled(): void {
    this.recycles.inc();
  }

  reloaded(): void {
    this.reloads.inc();
  }

  /** Asks every live worker for its numbers, waits up to COLLECT_TIMEOUT_MS, and renders the sum. */
  async scrape(): Promise<string> {
    await this.collect();
    return render(this.aggregator.merged(this.own.snapshot()));
  }

  private collect(): Promise<void> {
    const id = this.nextRequest++;
    const request: CollectRequest = { tsgateMetrics: 'collect', id };
    const pending = new Set<number>();
    for (const [worker, child] of this.workers) {
      if (!child.connected) continue;
      pending.add(worker);
      child.send(request, undefined, {}, (error) => {
        if (error) pending.delete(worker);
      });
    }
    if (pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(), COLLECT_TIMEOUT_MS);
      const done = () => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve();
      };
      this.waiting.set(id, { pending, done });
    });
  }
}
