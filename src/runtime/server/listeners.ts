/**
 * The listening sockets, owned by the primary for the server's whole life,
 * as gunicorn's arbiter owns its LISTENERS.
 *
 * The primary binds each address but never accepts on it: every worker gets
 * the same socket over IPC, calls listen() and accepts for itself. Connections
 * wait in the kernel's backlog while no worker accepts (all of them dead,
 * or booting), so they are delayed, never refused, and a worker that dies
 * takes down only the connections it had accepted: none is queued for it.
 *
 * node:cluster cannot give this: its round-robin primary closes the listener
 * when its last worker leaves and keeps each connection it hands a worker
 * open until that worker acknowledges it (forever, if the worker died), and
 * its shared-handle mode closes the socket with the last worker too.
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
}

type CreateServerHandle = (address: string | null, port: number, addressType: number) => SocketHandle | number;

/**
 * `net._createServerHandle` binds without listening, so the primary never
 * accepts; it is the function node:cluster's shared handles are made with.
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

/** Closes the primary's copies; a socket stops listening once its workers have closed theirs. */
export function closeListeners(listeners: readonly Listener[]): void {
  for (const listener of listeners) listener.handle.close();
}
