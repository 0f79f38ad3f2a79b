// @ts-check
/**
 * The baseline: a bare node:http server on node:cluster, answering the same
 * body and Content-Type as the TSGI hello-world app.
 *
 *   node bench/servers/node-cluster.js --port 8000 --workers 2
 *
 * The primary prints `READY` on stdout once every worker listens; SIGTERM
 * stops the workers and then the primary.
 */
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { BODY_TEXT, CONTENT_TYPE } from './body.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8000' },
    host: { type: 'string', default: '127.0.0.1' },
    workers: { type: 'string', default: '2' },
  },
});
const workers = Number(values.workers);

if (cluster.isPrimary) {
  let listening = 0;
  cluster.on('listening', () => {
    listening += 1;
    if (listening === workers) process.stdout.write('READY\n');
  });
  for (let i = 0; i < workers; i++) cluster.fork();
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  cluster.on('exit', () => {
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  });
} else {
  const BODY = Buffer.from(BODY_TEXT);
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': CONTENT_TYPE, 'Content-Length': BODY.byteLength });
    res.end(BODY);
  });
  server.listen(Number(values.port), values.host);
  // Exit normally (not killed by the signal) so that --cpu-prof can write its profile.
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => {});
}
