/**
 * Values are kept as JSON text on every backend, so a value reads back the
 * same from Redis, the database or memory. JSON.stringify would quietly
 * drop a function, turn a Map into `{}` and NaN into `null`: here each of
 * those is a CacheValueError that names where in the value it is.
 * A Date (or anything with toJSON) is stored as toJSON gives it, and reads
 * back as that (a Date as its ISO string), as with JSON anywhere.
 */
import { CacheValueError } from './errors.js';

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (typeof value === 'bigint') return 'a bigint';
  if (typeof value === 'number') return String(value);
  const name = (value as object).constructor?.name;
  return name ? `a ${name}` : 'an object without a prototype';
}

function hint(value: unknown): string {
  if (value === undefined) return ' — store null for "no value"';
  if (typeof value === 'bigint') return ' — store it as a string (String(n)) or a number';
  if (typeof value === 'number') return ' — JSON has no NaN or Infinity; store null or a string';
  if (value instanceof Map) return ' — store Object.fromEntries(map) or [...map]';
  if (value instanceof Set) return ' — store [...set]';
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return " — store it as a string, e.g. Buffer.from(bytes).toString('base64')";
  if (typeof value === 'object') return ' — store a plain object of its fields (or give the class a toJSON method)';
  return '';
}

function isPlain(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Checks that `value` round-trips through JSON; throws a CacheValueError naming the first part that does not. */
function check(value: unknown, path: string, seen: Set<object>): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return;
    throw new CacheValueError(`${path} is ${describe(value)}, which JSON cannot hold${hint(value)}`);
  }
  if (typeof value !== 'object') throw new CacheValueError(`${path} is ${describe(value)}, which JSON cannot hold${hint(value)}`);
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return;
  if (seen.has(value)) throw new CacheValueError(`${path} refers back to itself (a cycle), which JSON cannot hold`);
  if (Array.isArray(value)) {
    seen.add(value);
    value.forEach((item, index) => check(item, `${path}[${index}]`, seen));
    seen.delete(value);
    return;
  }
  if (!isPlain(value)) throw new CacheValueError(`${path} is ${describe(value)}, which JSON cannot hold${hint(value)}`);
  seen.add(value);
  for (const [key, item] of Object.entries(value)) {
    // JSON.stringify drops undefined fields; that loses nothing a reader could see.
    if (item === undefined) continue;
    check(item, /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`, seen);
  }
  seen.delete(value);
}

/** `value` as JSON text; `what` names it in an error, e.g. `cache.set('greeting')'s value`. */
export function serialize(value: unknown, what: string): string {
  check(value, what, new Set());
  return JSON.stringify(value);
}

export function deserialize<T>(text: string): T {
  return JSON.parse(text) as T;
}
