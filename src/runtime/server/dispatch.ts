/**
 * The primary's round-robin: each connection the primary accepts goes to the
 * next ready worker in turn, so keep-alive clients are spread evenly however
 * they arrive (docs/architecture.md, "Accepting connections").
 *
 * The primary keeps its copy of a connection until the worker has it: node
 * sends a worker one handle at a time (the rest wait in node's queue) and
 * the worker's node acknowledges each before the app sees it
 * (`NODE_HANDLE_ACK`). Acknowledged: the primary closes its copy. A worker
 * that dies first never saw the connection, which goes to another worker
 * once everything the dead one wrote has been read (no acknowledgement can
 * come after).
 * node:cluster also holds a connection until acknowledged, but holds it
 * forever when the worker dies instead; this is what it should do.
 */
import type { ChildProcess, SendHandle } from 'node:child_process';
import type { ClientHandle } from './listeners.js';
import type { PrimaryMessage } from './messages.js';

/** Connections held while no worker is ready; past this, new ones are closed (as a full backlog refuses). */
const MAX_WAITING = 4096;

/**
 * A worker that has not acknowledged a connection for this long has a
 * blocked event loop (or is stopped): it is passed over, so that new
 * clients do not wait for --timeout to kill it. Acknowledging takes well
 * under a millisecond when the loop turns.
 */
const STALLED_MS = 1000;

interface Pending {
  client: ClientHandle;
  index: number;
  /** When it was handed to node for a worker (performance.now()). */
  sentAt: number;
}

/** node's own message when a worker got a handle (lib/internal/child_process.js). */
function isHandleAck(message: unknown): boolean {
  return typeof message === 'object' && message !== null && (message as { cmd?: unknown }).cmd === 'NODE_HANDLE_ACK';
}

export class Dispatcher {
  /** Workers that take connections, in turn. */
  private targets: ChildProcess[] = [];
  private next = 0;
  /** Per worker: connections handed to node for it and not yet acknowledged, oldest first. */
  private readonly held = new Map<ChildProcess, Pending[]>();
  /** Connections that arrived while no worker was ready, oldest first. */
  private waiting: Pending[] = [];
  private closed = false;

  /** A connection the primary accepted on listener `index`. */
  dispatch(client: ClientHandle, index: number): void {
    this.give({ client, index, sentAt: 0 });
  }

  /** The worker takes connections from now on; connections waiting for one go to it. */
  add(child: ChildProcess): void {
    if (this.closed || this.targets.includes(child) || !child.connected) return;
    this.targets.push(child);
    const held: Pending[] = [];
    this.held.set(child, held);
    child.on('internalMessage', (message: unknown) => {
      // One handle in flight per worker at a time: an acknowledgement is for the oldest.
      if (isHandleAck(message)) held.shift()?.client.close();
    });
    // 'close' comes once the worker has exited and everything it wrote has
    // been read: no acknowledgement can follow. ('disconnect' is not emitted
    // at all when a worker dies with a handle unacknowledged.)
    child.once('close', () => {
      this.remove(child);
      this.held.delete(child);
      for (const pending of held.splice(0)) this.give(pending);
    });
    const waiting = this.waiting;
    this.waiting = [];
    for (const pending of waiting) this.give(pending);
  }

  /** The worker takes no more connections (retiring); those already sent to it are its own. */
  remove(child: ChildProcess): void {
    this.targets = this.targets.filter((target) => target !== child);
  }

  /** Stops dispatching: waiting connections are closed (the listeners close with them). */
  close(): void {
    this.closed = true;
    for (const { client } of this.waiting) client.close();
    this.waiting = [];
  }

  private give(pending: Pending): void {
    if (this.closed) return pending.client.close();
    const child = this.pick();
    const held = child && this.held.get(child);
    if (!child || !held) {
      if (this.waiting.length >= MAX_WAITING) return pending.client.close();
      this.waiting.push(pending);
      return;
    }
    pending.sentAt = performance.now();
    held.push(pending);
    const message: PrimaryMessage = { tsgate: 'connection', index: pending.index };
    child.send(message, pending.client as unknown as SendHandle, (error) => {
      // The channel is closing: 'close' gives this connection to another worker.
      if (error) this.remove(child);
    });
  }

  /** The next worker in turn, passing over stalled ones unless every worker is. */
  private pick(): ChildProcess | undefined {
    let fallback: ChildProcess | undefined;
    const now = performance.now();
    for (let tries = this.targets.length; tries > 0; tries--) {
      this.next = (this.next + 1) % this.targets.length;
      const child = this.targets[this.next] as ChildProcess;
      if (!child.connected) continue;
      const oldest = this.held.get(child)?.[0];
      if (oldest === undefined || now - oldest.sentAt < STALLED_MS) return child;
      fallback ??= child;
    }
    return fallback;
  }
}
