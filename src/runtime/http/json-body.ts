/**
 * A JSON request body made safe to hand to a schema: the right content
 * type, a size and a nesting depth within bounds (checked on the text,
 * before JSON.parse: V8 takes seconds over a few megabytes of `[[[[…`), no
 * prototype-pollution keys, and strings in one Unicode normal form. Each
 * refusal is a ProblemError with the status a client can act on: 413 too
 * large, 415 not JSON, 400 anything else.
 */
import { HttpError } from '../tsgi/errors.js';
import { problem, ProblemError } from './problem.js';

/** Django's DATA_UPLOAD_MAX_MEMORY_SIZE: 2.5 MiB. */
export const DEFAULT_JSON_MAX_BYTES = 2.5 * 1024 * 1024;
export const DEFAULT_JSON_MAX_DEPTH = 32;

export type NormalForm = 'NFC' | 'NFKC' | false;

export interface JsonBodyOptions {
  maxBytes: number;
  maxDepth: number;
  normalize: NormalForm;
}

/** What reads the body: the request, seen only through these. */
export interface JsonSource {
  header(name: string): string | undefined;
  body(): Promise<Uint8Array>;
}

const refuse = (status: number, detail: string) => new ProblemError(problem(status, detail));

/** `application/json` and the `+json` types (`application/merge-patch+json`, …). */
function isJsonType(mediaType: string): boolean {
  return mediaType === 'application/json' || (mediaType.startsWith('application/') && mediaType.endsWith('+json'));
}

function checkContentType(contentType: string | undefined): void {
  if (contentType === undefined || contentType.trim() === '') {
    throw refuse(415, 'The request has no Content-Type: send the body as JSON with Content-Type: application/json.');
  }
  const [mediaType = '', ...params] = contentType.split(';').map((part) => part.trim().toLowerCase());
  if (!isJsonType(mediaType)) throw refuse(415, `The body is ${mediaType}; this endpoint takes JSON (Content-Type: application/json).`);
  const charset = params.find((param) => param.startsWith('charset='))?.slice('charset='.length).replace(/^"|"$/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw refuse(415, `The body's charset is ${charset}; JSON must be sent as UTF-8.`);
  }
}

async function readBody(source: JsonSource, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(source.header('content-length') ?? Number.NaN);
  if (declared > maxBytes) throw refuse(413, `The body is ${declared} bytes; the limit is ${maxBytes}.`);
  let bytes: Uint8Array;
  try {
    bytes = await source.body();
  } catch (error) {
    // The server's own body limit (or a client gone mid-body): its status, as problem details.
    if (error instanceof HttpError) throw refuse(Number(error.status.slice(0, 3)), `${error.message[0]?.toUpperCase() ?? ''}${error.message.slice(1)}.`);
    throw error;
  }
  if (bytes.byteLength > maxBytes) throw refuse(413, `The body is ${bytes.byteLength} bytes; the limit is ${maxBytes}.`);
  return bytes;
}

/** False as soon as brackets outside strings nest deeper than `maxDepth`: a linear scan, safe on any text. */
export function withinDepth(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c) i++; // a backslash: skip the escaped character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x5b || code === 0x7b) {
      if (++depth > maxDepth) return false;
    } else if (code === 0x5d || code === 0x7d) {
      depth--;
    }
  }
  return true;
}

/**
 * Walks the parsed document (its depth is already bounded): refuses
 * `__proto__` keys and a `constructor` holding a `prototype` (the shapes of
 * prototype pollution, as fastify's secure-json-parse refuses them), and
 * brings every string to the normal form.
 */
function sanitize(value: unknown, normalize: NormalForm, path: string): unknown {
  if (typeof value === 'string') return normalize ? value.normalize(normalize) : value;
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = sanitize(value[i], normalize, `${path}/${i}`);
    return value;
  }
  const object = value as Record<string, unknown>;
  for (const key of Object.keys(object)) {
    const at = `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    const item = object[key];
    if (key === '__proto__' || (key === 'constructor' && typeof item === 'object' && item !== null && 'prototype' in item)) {
      throw refuse(400, `The key ${JSON.stringify(key)} at #${at} is not allowed in a JSON body.`);
    }
    object[key] = sanitize(item, normalize, at);
  }
  return object;
}

/** The request's JSON body, parsed and checked as above. */
export async function readJsonBody(source: JsonSource, options: JsonBodyOptions): Promise<unknown> {
  checkContentType(source.header('content-type'));
  const bytes = await readBody(source, options.maxBytes);
  if (bytes.byteLength === 0) throw refuse(400, 'The body is empty: send a JSON document.');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw refuse(400, 'The body is not valid UTF-8.');
  }
  if (!withinDepth(text, options.maxDepth)) throw refuse(400, `The JSON body nests deeper than ${options.maxDepth} levels.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw refuse(400, `The body is not valid JSON: ${(error as Error).message}.`);
  }
  return sanitize(parsed, options.normalize, '');
}
