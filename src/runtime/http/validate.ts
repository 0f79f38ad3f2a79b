/**
 * `await request.validate(schema)`: the request's JSON body or query string,
 * validated by a Standard Schema and returned typed; anything else answers
 * 400/413/415 with problem details (RFC 9457) listing each invalid value.
 */
import { DEFAULT_JSON_MAX_BYTES, DEFAULT_JSON_MAX_DEPTH, readJsonBody, type JsonSource, type NormalForm } from './json-body.js';
import { issuesToErrors, problem, ProblemError } from './problem.js';
import { runSchema, type StandardSchemaV1 } from './standard-schema.js';

export interface ValidateOptions {
  /**
   * What to validate: the JSON body, or the query string as an object (a
   * name given once is a string, given several times an array of strings).
   * Default: the query string for GET, HEAD and DELETE, else the JSON body.
   */
  source?: 'json' | 'query';
  /** Largest JSON body, in bytes (413 above it). Default 2.5 MiB, Django's DATA_UPLOAD_MAX_MEMORY_SIZE. */
  maxBytes?: number;
  /** Deepest nesting of JSON arrays and objects (400 below it). Default 32. */
  maxDepth?: number;
  /** The Unicode normal form every string is brought to before validation; false keeps them as sent. Default NFC. */
  normalize?: NormalForm;
}

const QUERY_METHODS = new Set(['GET', 'HEAD', 'DELETE']);

/** The query string as an object; `__proto__` as a name is refused, as in JSON bodies. */
function queryObject(query: URLSearchParams, normalize: NormalForm): Record<string, string | string[]> {
  const object: Record<string, string | string[]> = {};
  for (const key of new Set(query.keys())) {
    if (key === '__proto__') throw new ProblemError(problem(400, 'The query parameter "__proto__" is not allowed.'));
    const values = query.getAll(key).map((value) => (normalize ? value.normalize(normalize) : value));
    object[key] = values.length === 1 ? (values[0] as string) : values;
  }
  return object;
}

/** What validation reads of a request (the Request, seen only through these, so request.ts can call here). */
export interface ValidationSource extends JsonSource {
  readonly method: string;
  readonly query: URLSearchParams;
}

export async function validateRequest<S extends StandardSchemaV1>(request: ValidationSource, schema: S, options: ValidateOptions = {}): Promise<StandardSchemaV1.InferOutput<S>> {
  const source = options.source ?? (QUERY_METHODS.has(request.method) ? 'query' : 'json');
  const normalize = options.normalize ?? 'NFC';
  const input =
    source === 'query'
      ? queryObject(request.query, normalize)
      : await readJsonBody(request, { maxBytes: options.maxBytes ?? DEFAULT_JSON_MAX_BYTES, maxDepth: options.maxDepth ?? DEFAULT_JSON_MAX_DEPTH, normalize });
  const result = await runSchema(schema, input);
  if (result.ok) return result.value;
  const what = source === 'query' ? 'query string' : 'JSON body';
  const count = result.issues.length === 1 ? '1 error' : `${result.issues.length} errors`;
  throw new ProblemError(problem(400, `The ${what} is not valid (${count}).`, issuesToErrors(result.issues, source === 'json')));
}
