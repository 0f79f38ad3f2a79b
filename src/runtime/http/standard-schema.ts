/**
 * Standard Schema v1 (https://standardschema.dev): the one interface that
 * zod (v4), valibot and arktype schemas all carry under `~standard`, so
 * tsgate validates with any of them and depends on none. Only the part
 * tsgate reads is declared; a schema from any of those libraries fits it.
 */

/** A schema of any Standard Schema library: `z.string()`, `v.string()`, `type('string')`. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': StandardSchemaV1.Props<Input, Output>;
}

export declare namespace StandardSchemaV1 {
  interface Props<Input = unknown, Output = Input> {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => Result<Output> | Promise<Result<Output>>;
    readonly types?: Types<Input, Output> | undefined;
  }

  type Result<Output> = SuccessResult<Output> | FailureResult;

  interface SuccessResult<Output> {
    readonly value: Output;
    readonly issues?: undefined;
  }

  interface FailureResult {
    readonly issues: ReadonlyArray<Issue>;
  }

  interface Issue {
    readonly message: string;
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined;
  }

  interface PathSegment {
    readonly key: PropertyKey;
  }

  interface Types<Input = unknown, Output = Input> {
    readonly input: Input;
    readonly output: Output;
  }

  type InferInput<Schema extends StandardSchemaV1> = NonNullable<Schema['~standard']['types']>['input'];
  type InferOutput<Schema extends StandardSchemaV1> = NonNullable<Schema['~standard']['types']>['output'];
}

/** What a schema made of a value: its output, or the issues. */
export type Validated<Output> = { ok: true; value: Output } | { ok: false; issues: readonly StandardSchemaV1.Issue[] };

/** Runs `schema` on `value`, awaiting it only when the schema is asynchronous. */
export async function runSchema<S extends StandardSchemaV1>(schema: S, value: unknown): Promise<Validated<StandardSchemaV1.InferOutput<S>>> {
  let result = schema['~standard'].validate(value);
  if (result instanceof Promise) result = await result;
  return result.issues === undefined ? { ok: true, value: result.value as StandardSchemaV1.InferOutput<S> } : { ok: false, issues: result.issues };
}

/** An issue's path as plain keys: `['items', 0, 'name']`. */
export function issueKeys(issue: StandardSchemaV1.Issue): PropertyKey[] {
  return (issue.path ?? []).map((segment) => (typeof segment === 'object' && segment !== null ? segment.key : segment));
}

/** True for anything that carries a Standard Schema v1 `~standard` property. */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const props = (value as { '~standard'?: unknown })['~standard'];
  return typeof props === 'object' && props !== null && (props as { version?: unknown }).version === 1 && typeof (props as { validate?: unknown }).validate === 'function';
}
