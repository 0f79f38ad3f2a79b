/**
 * The listening sockets, owned by the primary for the server's whole life,
 * as gunicorn's arbiter owns its LISTENERS.
 *
 * The primary binds and listens on each address and accepts every
 * connection itself; `dispatch.ts` hands each accepted connection to the
 * next worker in turn. Connections wait in the primary while no worker is
 * ready (all of them dead, or booting), so they are delayed, never refused,
 * and a worker that dies takes down only the connections it was given.
 *
 * Why not let every worker accept on the shared socket (what this server
 * did first, and gunicorn does): the kernel wakes every worker for a new
 * connection and the first to run accepts the whole backlog, so a burst of
 * keep-alive clients can all land on one worker and stay there
 * (docs/architecture.md, "Accepting connections", has the measurements).
 *
 * node:cluster's round-robin cannot be used as it is: its primary closes
 * the listener when its last worker leaves and keeps each connection it
 * hands a worker open until that worker acknowledges it (forever, if the
 * worker died).
 */
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { getSystemErrorName } from 'node:util';
import { formatBind, OptionError, type Bind } from './options.js';

/**
 * A bound, not yet listening, socket handle of node's (a TCP or Pipe wrap):
 * what node:cluster's shared-handle mode makes with the same function, and
 * what `child.send(message, handle)` can pass to a worker.
 */
export interface SocketHandle {
  close(): void;
  getsockname?(out: { address?: string; port?: number }): number;
  /** listen(2) with this backlog; a negative errno on failure. */
  listen(backlog: number): number;
  /** Called by node for each accepted connection (or a negative errno), with the connection's handle. */
  onconnection: ((status: number, client?: ClientHandle) => void) | null;
}

/** An accepted connection's handle (a TCP or Pipe wrap), as `child.send(message, handle)` passes it. */
export interface ClientHandle {
  close(): void;
}

type CreateServerHandle = (address: string | null, port: number, addressType: number) => SocketHandle | number;

/**
 * `net._createServerHandle` binds without listening and gives node's bare
 * handle, whose accepted connections are handles too: passed to a worker
 * without ever becoming a net.Socket in the primary. It is the function
 * node:cluster's handles are made with.
 */
const createServerHandle = (net as unknown as { _createServerHandle: CreateServerHandle })._createServerHandle;

export interface Listener {
  bind: Bind;
  handle: SocketHandle;
  /** The address as bound: the real port for `:0`. */
  address: string;
}

/** The address a host name stands for, as `server.listen(port, host)` would pick it. */
async function resolve(bind: { host: string; port: number }): Promise<string> {
  try {
    return (await lookup(bind.host)).address;
  } catch (error) {
    throw new OptionError(`cannot listen at ${formatBind(bind)}: ${(error as Error).message}`);
  }
}

async function bindOne(bind: Bind): Promise<Listener> {
  if (typeof createServerHandle !== 'function') throw new Error(`this Node.js (${process.version}) lacks net._createServerHandle, which the server binds with`);
  let handle: SocketHandle | number;
  let address = formatBind(bind);
  if ('path' in bind) {
    handle = createServerHandle(bind.path, -1, -1);
  } else {
    const host = net.isIP(bind.host) === 0 ? await resolve(bind) : bind.host;
    handle = createServerHandle(host, bind.port, net.isIP(host));
    if (typeof handle !== 'number') {
      const out: { address?: string; port?: number } = {};
      handle.getsockname?.(out);
      if (out.port !== undefined) address = formatBind({ host: bind.host, port: out.port });
    }
  }
  if (typeof handle === 'number') {
    const code = getSystemErrorName(handle);
    const why = code === 'EADDRINUSE' ? 'address already in use' : code === 'EACCES' ? 'permission denied' : code;
    throw new OptionError(`cannot listen at ${formatBind(bind)}: ${why} (${code})`);
  }
  return { bind, handle, address };
}

/** Binds every address, or closes what it bound and throws an OptionError naming the one that failed. */
export async function openListeners(binds: readonly Bind[]): Promise<Listener[]> {
  const listeners: Listener[] = [];
  try {
    for (const bind of binds) listeners.push(await bindOne(bind));
  } catch (error) {
    closeListeners(listeners);
    throw error;
  }
  return listeners;
}

/** The kernel's queue of connections not yet accepted, as node's default. */
const BACKLOG = 511;

/** Starts accepting on every listener; `onConnection` gets each connection's handle and its listener's index. */
export function acceptOn(listeners: readonly Listener[], onConnection: (client: ClientHandle, index: number) => void): void {
  listeners.forEach((listener, index) => {
    listener.handle.onconnection = (status, client) => {
      // A failed accept (EMFILE, ECONNABORTED): that client is lost, the listener goes on.
      if (status === 0 && client) onConnection(client, index);
    };
    const status = listener.handle.listen(BACKLOG);
    if (status !== 0) throw new OptionError(`cannot listen at ${listener.address}: ${getSystemErrorName(status)}`);
  });
}

/** Closes the sockets: connections still in the kernel's backlog are refused. */
export function closeListeners(listeners: readonly Listener[]): void {
  for (const listener of listeners) listener.handle.close();
}
