import mime from 'mime';

/** The MIME type, with a charset for text, as whitenoise sends it. */
export function contentType(file: string): string {
  const type = mime.getType(file) ?? 'application/octet-stream';
  return type.startsWith('text/') || type === 'application/javascript' || type === 'application/json' ? `${type}; charset=utf-8` : type;
}
