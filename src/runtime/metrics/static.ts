/** Static files served in full, and their bytes, by content coding (identity, gzip, br). */
import { metrics, metricsEnabled } from './default.js';

let counters: { files: ReturnType<typeof metrics.counter<'encoding'>>; bytes: ReturnType<typeof metrics.counter<'encoding'>> } | undefined;

/** Counts one static file sent whole; nothing unless the server serves metrics. */
export function countStaticFile(encoding: string, bytes: number): void {
  if (!metricsEnabled()) return;
  counters ??= {
    files: metrics.counter({ name: 'tsgate_static_files_served_total', help: 'Static files sent whole (200), by content coding', labelNames: ['encoding'] }),
    bytes: metrics.counter({ name: 'tsgate_static_bytes_total', help: 'Bytes of static files sent whole, by content coding', labelNames: ['encoding'] }),
  };
  counters.files.inc({ encoding });
  counters.bytes.inc({ encoding }, bytes);
}
