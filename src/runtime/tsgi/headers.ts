import { TsgiError } from './errors.js';
import type { Header } from './types.js';

/** Connection-level headers that only the server may set (PEP 3333, RFC 9110 §7.6.1). */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'trailers',
  'transfer-encoding',
  'upgrade',
]);

const STATUS = /^([1-9]\d\d) [^\r\n\0]+$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/**
 * A field value: tab, visible ASCII, space, obs-text (RFC 9110 §5.5); no CR,
 * LF, NUL or other control. Checked by char code: on the short values of
 * every response a loop costs a fraction of a regular expression's call.
 */
function isFieldValue(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 ? code !== 0x09 : code === 0x7f || code > 0xff) return false;
  }
  return true;
}

/**
 * Status lines and header names that already passed, bounded: apps send the
 * same few on every request, so each is checked once. Values are always checked.
 */
const KNOWN_MAX = 512;
const knownStatuses = new Map<string, number>();
const knownNames = new Set<string>();

/** Returns the numeric code of a `"200 OK"` status line, or throws. */
export function parseStatus(status: unknown): number {
  if (typeof status === 'string') {
    const known = knownStatuses.get(status);
    if (known !== undefined) return known;
  }
  const code = checkStatus(status);
  if (knownStatuses.size < KNOWN_MAX) knownStatuses.set(status as string, code);
  return code;
}

function checkStatus(status: unknown): number {
  if (typeof status !== 'string') {
    throw new TsgiError(`status must be a string like "200 OK", got ${typeof status}`);
  }
  const match = STATUS.exec(status);
  if (!match) {
    throw new TsgiError(`status ${JSON.stringify(status)} must be three digits, a space and a reason phrase, like "200 OK"`);
  }
  return Number(match[1]);
}

/** Checks the response headers an application passed to `startResponse`. */
export function checkHeaders(headers: unknown): asserts headers is Header[] {
  if (!Array.isArray(headers)) {
    throw new TsgiError(`headers must be an array of [name, value] pairs, got ${typeof headers}`);
  }
  // Index loops and reads, not for-of and destructuring: this runs on every response.
  for (let i = 0; i < headers.length; i++) {
    const header: unknown = headers[i];
    if (!Array.isArray(header) || header.length !== 2) {
      throw new TsgiError(`each header must be a [name, value] pair, got ${JSON.stringify(header)}`);
    }
    const name: unknown = header[0];
    const value: unknown = header[1];
    if (typeof value !== 'string' || !isFieldValue(value)) {
      throw new TsgiError(`header ${String(name)} has a value that is not a string or holds control characters (CR, LF, NUL)`);
    }
    if (typeof name === 'string' && knownNames.has(name)) continue;
    checkName(name);
    if (knownNames.size < KNOWN_MAX) knownNames.add(name);
  }
}

function checkName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !TOKEN.test(name)) {
    throw new TsgiError(`header name ${JSON.stringify(name)} is not a valid HTTP token`);
  }
  if (HOP_BY_HOP.has(name.toLowerCase())) {
    throw new TsgiError(`hop-by-hop header ${name} is set by the server; an application must not send it`);
  }
}

/** The value of the first header called `name` (case-insensitive), if any. */
export function getHeader(headers: readonly Header[], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (let i = 0; i < headers.length; i++) {
    const header = headers[i] as Header;
    const key = header[0];
    // Lengths first: most names differ in length, and lower-casing allocates.
    if (key.length === wanted.length && key.toLowerCase() === wanted) return header[1];
  }
  return undefined;
}
