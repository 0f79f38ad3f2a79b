/**
 * `model(table, fields, options)`: a table declared once, in an app's
 * `models.ts`. makemigrations compares the models with the migrations'
 * state; `Table<typeof Note>` is its row for Kysely, so the project's
 * `Database` type is derived from the models:
 *
 *     export const Note = model('blog_note', { id: field.id(), title: field.varchar(200) });
 *     declare module 'tsgate/db' {
 *       interface Database extends Tables<[typeof Note]> {}
 *     }
 */
import type { ColumnNameOf, ColumnTypeOf, Field, FieldSpec } from './fields.js';

export interface ModelOptions {
  /** Indexes over several fields (by field name): `[['created'], ['author', 'created']]`. */
  readonly indexes?: readonly (readonly string[])[];
  /** Sets of fields unique together: `[['title', 'author']]`. */
  readonly unique?: readonly (readonly string[])[];
}

const MODEL = Symbol.for('tsgate.model');

export interface Model<Name extends string = string, Fields extends Record<string, Field> = Record<string, Field>> {
  readonly [MODEL]: true;
  readonly table: Name;
  readonly fields: Fields;
  readonly options: ModelOptions;
}

/** A model's row, as Kysely's table type: column name → ColumnType. */
export type Table<M> =
  M extends Model<string, infer F> ? { -readonly [K in keyof F & string as ColumnNameOf<F[K], K>]: ColumnTypeOf<F[K]> } : never;

/** `Tables<[typeof Note, typeof Tag]>`: their tables by name, to extend `Database` with. */
export type Tables<Ms extends readonly Model[]> = { [M in Ms[number] as M['table']]: Table<M> };

/** Declares a model: `table` is its table's name (by convention `<app>_<model>`). */
export function model<const Name extends string, const Fields extends Record<string, Field>>(table: Name, fields: Fields, options: ModelOptions = {}): Model<Name, Fields> {
  if (typeof table !== 'string' || table === '') throw new TypeError('model(table, fields): the first argument is the table name, e.g. model(\'blog_note\', {...})');
  return Object.freeze({ [MODEL]: true as const, table, fields: Object.freeze({ ...fields }), options: Object.freeze({ ...options }) });
}

export function isModel(value: unknown): value is Model {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MODEL] === true;
}

/** The column of field `name`: its dbColumn, `<name>_id` for a foreign key, else the name. */
export function columnName(name: string, spec: FieldSpec): string {
  return spec.dbColumn ?? (spec.kind === 'foreignKey' ? `${name}_id` : name);
}
