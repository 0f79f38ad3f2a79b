/**
 * A request body read into memory, and an urlencoded form parsed from it,
 * under the upload limits (http/limits.ts): a body whose Content-Length is
 * over DATA_UPLOAD_MAX_MEMORY_SIZE is refused before a byte is read, a
 * chunked one as soon as it passes the limit; a form's fields are counted
 * (a scan for `&`, no allocation) before any is parsed.
 */
import type { InputStream } from '../tsgi/types.js';
import { tooLarge, tooMany, type UploadLimits } from './limits.js';

/** How much is asked of `wsgi.input` at a time. */
export const READ_CHUNK = 64 * 1024;

const AMPERSAND = 0x26;

/** The whole body, refused with a 413 when it is over `limits.maxMemorySize`. */
export async function readBody(input: InputStream, contentLength: string | undefined, limits: UploadLimits): Promise<Uint8Array> {
  const limit = limits.maxMemorySize;
  if (limit !== undefined && Number(contentLength) > limit) throw tooLarge('the request body', 'DATA_UPLOAD_MAX_MEMORY_SIZE', limit);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const chunk = await input.read(READ_CHUNK);
    if (chunk.byteLength === 0) break;
    total += chunk.byteLength;
    if (limit !== undefined && total > limit) throw tooLarge('the request body', 'DATA_UPLOAD_MAX_MEMORY_SIZE', limit);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks);
}

/**
 * An `application/x-www-form-urlencoded` body as fields. Over
 * `limits.maxNumberFields` fields (counted as Django counts them: one more
 * than the `&`s) is a 400, found before anything is parsed.
 */
export function parseUrlencoded(body: Uint8Array, limits: UploadLimits): URLSearchParams {
  const limit = limits.maxNumberFields;
  if (limit !== undefined && body.byteLength > 0) {
    const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    let fields = 1;
    for (let at = bytes.indexOf(AMPERSAND); at !== -1; at = bytes.indexOf(AMPERSAND, at + 1)) {
      if (++fields > limit) throw tooMany('fields', 'DATA_UPLOAD_MAX_NUMBER_FIELDS', limit);
    }
  }
  return new URLSearchParams(new TextDecoder().decode(body));
}
