/**
 * nginx's lingering close. A response that ends the connection before the
 * request's body was read (a 413 for an upload over the limit) must not
 * close the socket at once: the client's bytes still arriving make the
 * kernel answer with a reset, and the reset makes the client drop the
 * response it has not read yet. Instead: end our side after the response
 * (FIN), read and discard what still arrives, and close when the client
 * closes, or after LINGER_MS, or after LINGER_BYTES more bytes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';

/** The longest a connection lingers after its response (nginx's lingering_time is 30 s). */
export const LINGER_MS = 10_000;
/** The most bytes read and thrown away while lingering: enough for any upload a client sends whole before it reads. */
export const LINGER_BYTES = 256 * 1024 * 1024;
const CHECK_EVERY_MS = 100;

function linger(socket: Socket, req: IncomingMessage): void {
  socket.end();
  // The body may have been read in part (a 413 from reading past the limit): throw the rest away.
  req.removeAllListeners('readable');
  req.resume();
  const start = socket.bytesRead;
  const close = () => socket.destroy();
  const deadline = setTimeout(close, LINGER_MS).unref();
  const bytes = setInterval(() => {
    if (socket.bytesRead - start > LINGER_BYTES) close();
  }, CHECK_EVERY_MS).unref();
  socket.once('close', () => {
    clearTimeout(deadline);
    clearInterval(bytes);
  });
}

/**
 * When `res` closes its connection (a `Connection: close` response) while
 * the request's body is still arriving, the connection lingers instead of
 * closing at once. node:http ends such a connection with `destroySoon()`;
 * this replaces it for this one socket.
 */
export function lingerIfBodyUnread(res: ServerResponse): void {
  const { req, socket } = res;
  if (req.complete || !socket) return;
  // Checked when the connection ends: a request without a body is complete by then.
  socket.destroySoon = () => (req.complete ? Socket.prototype.destroySoon.call(socket) : linger(socket, req));
}
