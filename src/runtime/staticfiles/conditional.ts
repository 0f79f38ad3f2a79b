/** Conditional GETs: the validators sent with a static file, and whether a request's copy is still fresh (a 304). */
import type { Stats } from 'node:fs';
import type { Environ } from '../tsgi/types.js';

/** A weak ETag from size and mtime: no read of the file, and the same across processes serving it. */
export function etagOf(stats: Stats): string {
  return `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
}

/** If-None-Match (weak comparison) when sent, else If-Modified-Since to the second, as HTTP dates have it. */
export function isFresh(environ: Environ, validators: { etag: string; mtimeMs: number }): boolean {
  const match = environ.HTTP_IF_NONE_MATCH;
  if (typeof match === 'string') {
    const opaque = validators.etag.replace(/^W\//, '');
    return match.split(',').some((tag) => {
      const trimmed = tag.trim();
      return trimmed === '*' || trimmed.replace(/^W\//, '') === opaque;
    });
  }
  const since = environ.HTTP_IF_MODIFIED_SINCE;
  if (typeof since !== 'string') return false;
  const time = Date.parse(since);
  return Number.isFinite(time) && Math.floor(validators.mtimeMs / 1000) * 1000 <= time;
}
