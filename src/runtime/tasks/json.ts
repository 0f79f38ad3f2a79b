/**
 * Task arguments and results cross a process boundary as JSON, so they are
 * checked at enqueue (as Django's tasks do): a Date, a Map, a class
 * instance, undefined, NaN or a function would arrive changed or not at
 * all. The error names the path to the first value that is not JSON.
 */

export class TaskArgumentsError extends TypeError {
  override name = 'TaskArgumentsError';
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'bigint') return 'a bigint';
  if (typeof value === 'symbol') return 'a symbol';
  const name = (value as object).constructor?.name;
  return name ? `a ${name}` : 'an object without a prototype';
}

/** The path of the first value in `value` that is not plain JSON, with what it is; undefined when all is JSON. */
function firstProblem(value: unknown, path: string, seen: Set<object>): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${path} is ${describe(value)}`;
  if (typeof value !== 'object') return `${path} is ${describe(value)}`;
  if (seen.has(value)) return `${path} refers back to itself`;
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++) {
        const problem = firstProblem(value[index], `${path}[${index}]`, seen);
        if (problem) return problem;
      }
      return undefined;
    }
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return `${path} is ${describe(value)} (pass a plain object, or its JSON form, e.g. a date as an ISO string)`;
    for (const [key, item] of Object.entries(value)) {
      const problem = firstProblem(item, /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`, seen);
      if (problem) return problem;
    }
    return undefined;
  } finally {
    seen.delete(value);
  }
}

/** `value` as JSON text, or a TaskArgumentsError naming what is not JSON (`what`: "the arguments of 'x'"). */
export function toJson(value: unknown, what: string, root = 'args'): string {
  const problem = firstProblem(value, root, new Set());
  if (problem) throw new TaskArgumentsError(`${what} must be JSON: ${problem}`);
  return JSON.stringify(value);
}
