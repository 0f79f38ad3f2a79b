/** Byte `Range` requests: a single range is served (206), several get the whole file, as whitenoise. */
import type { Environ } from '../tsgi/types.js';

export type ByteRange = { start: number; end: number };

/** The single range `Range` asks for: `{start, end}` (inclusive), 'unsatisfiable', or undefined to send the whole file. */
export function parseRange(header: string, size: number): ByteRange | 'unsatisfiable' | undefined {
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return undefined; // several ranges, another unit, or nonsense: the whole file
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return undefined; // invalid: ignored, as RFC 9110 allows
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

/** The request's range of a file; If-Range must match the Last-Modified date (the ETag is weak, so cannot be used). */
export function requestedRange(environ: Environ, file: { size: number; lastModified: string }): ByteRange | 'unsatisfiable' | undefined {
  const rangeHeader = environ.HTTP_RANGE;
  const ifRange = environ.HTTP_IF_RANGE;
  if (typeof rangeHeader !== 'string') return undefined;
  if (typeof ifRange === 'string' && ifRange.trim() !== file.lastModified) return undefined;
  return parseRange(rangeHeader, file.size);
}
