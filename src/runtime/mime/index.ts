/**
 * File name → Content-Type, one table for every response that sends a
 * file: static files (staticfiles/) and `fileResponse()` (http/). Below
 * both, so neither imports the other for it.
 */
import mime from 'mime';

/** The MIME type, with a charset for text, as whitenoise sends it. */
export function contentType(file: string): string {
  const type = mime.getType(file) ?? 'application/octet-stream';
  return type.startsWith('text/') || type === 'application/javascript' || type === 'application/json' ? `${type}; charset=utf-8` : type;
}
