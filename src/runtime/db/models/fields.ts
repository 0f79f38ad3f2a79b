/**
 * `field.*`: the columns of a model, Django's model fields as plain data.
 * A field is what a migration stores and compares (its `FieldSpec`), and it
 * carries, in its type only, the value Kysely selects and inserts, so the
 * `Database` type is derived from the models rather than written twice.
 *
 * Values are as the drivers give them: a `bigint` is a string on
 * PostgreSQL, a `boolean` is 0/1 on SQLite and MySQL, a `timestamp` is a
 * string on SQLite; the select types say so.
 */
import type { ColumnType } from '../kysely.js';

export type FieldKind =
  | 'id'
  | 'bigId'
  | 'integer'
  | 'bigint'
  | 'float'
  | 'decimal'
  | 'boolean'
  | 'varchar'
  | 'text'
  | 'date'
  | 'timestamp'
  | 'json'
  | 'uuid'
  | 'foreignKey';

/** What happens to a row when the row its foreign key points to is deleted. */
export type OnDelete = 'cascade' | 'set null' | 'restrict';

/** A JSON value: what a default can be (`'now'` on a date or timestamp is the current time). */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A field as data: what migrations record, compare and write out. */
export interface FieldSpec {
  readonly kind: FieldKind;
  /** `varchar(n)`: the most characters. */
  readonly maxLength?: number;
  /** `decimal(p, s)`: digits in all, and after the point. */
  readonly maxDigits?: number;
  readonly decimalPlaces?: number;
  /** The column takes NULL. */
  readonly null?: boolean;
  /** The column's default in the database; `'now'` on a date or timestamp is the current date or time. */
  readonly default?: JsonValue;
  readonly unique?: boolean;
  /** An index on this column alone (a foreign key has one unless `index: false`). */
  readonly index?: boolean;
  /** The table's primary key (`id` and `bigId` are, and auto-increment). */
  readonly primaryKey?: boolean;
  /** The column's name, when not the field's (a foreign key's is `<field>_id`). */
  readonly dbColumn?: string;
  /** A foreign key's table. */
  readonly to?: string;
  readonly onDelete?: OnDelete;
}

declare const VALUES: unique symbol;

/**
 * A field: its spec, and (in the type only) the column's select, insert and
 * update types and its name (`$key` stands for the field's key).
 */
export interface Field<Select = unknown, Insert = Select, Update = Insert, Column extends string = string> extends FieldSpec {
  readonly [VALUES]?: { select: Select; insert: Insert; update: Update; column: Column };
}

/** Options every field takes. */
export interface CommonOptions<T> {
  null?: boolean;
  default?: T;
  unique?: boolean;
  index?: boolean;
  dbColumn?: string;
}

/** What a field of value `T` selects, inserts and updates, and its column, given its options. */
type Nullable<T, O> = O extends { null: true } ? T | null : T;
type Optional<O> = O extends { null: true } ? true : O extends { default: unknown } ? (undefined extends O['default'] ? false : true) : false;
type ColumnOf<O, Fallback extends string> = O extends { dbColumn: infer C extends string } ? (string extends C ? Fallback : C) : Fallback;
/** A built field's type: its Kysely types, and its kind and options as literals (forms read `kind` and `null`). */
export type FieldOf<K extends FieldKind, S, I, O, Fallback extends string = '$key'> = Field<
  Nullable<S, O>,
  Optional<O> extends true ? Nullable<I, O> | undefined : Nullable<I, O>,
  Nullable<I, O>,
  ColumnOf<O, Fallback>
> & { readonly kind: K } & Readonly<O>;

/** The Kysely column type of a field. */
export type ColumnTypeOf<F> = F extends Field<infer S, infer I, infer U, string> ? ColumnType<S, I, U> : never;
/** A field's column name, given its key. */
export type ColumnNameOf<F, K extends string> = F extends Field<unknown, unknown, unknown, infer C> ? (C extends `$key${infer Rest}` ? `${K}${Rest}` : C) : K;

type Timestamp = Date | string;

function spec<F>(kind: FieldKind, options: object, extra: Partial<FieldSpec> = {}): F {
  const out: Record<string, unknown> = { kind, ...extra };
  for (const [key, value] of Object.entries(options)) if (value !== undefined) out[key] = value;
  return Object.freeze(out) as F;
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`${what} must be a whole number of at least 1, not ${String(value)}`);
  return value;
}

/** The options of a key field that can be the primary key. */
export interface KeyOptions<T> extends CommonOptions<T> {
  primaryKey?: boolean;
}

export const field = {
  /** An auto-incrementing integer primary key (Django's AutoField). */
  id: <const O extends { dbColumn?: string } = {}>(options?: O): Field<number, number | undefined, number, ColumnOf<O, '$key'>> & { readonly kind: 'id' } => spec('id', options ?? {}, { primaryKey: true }),
  /** An auto-incrementing 64-bit primary key (BigAutoField); a string on PostgreSQL. */
  bigId: <const O extends { dbColumn?: string } = {}>(options?: O): Field<number | string, number | string | bigint | undefined, number | string | bigint, ColumnOf<O, '$key'>> & { readonly kind: 'bigId' } =>
    spec('bigId', options ?? {}, { primaryKey: true }),
  integer: <const O extends KeyOptions<number> = {}>(options?: O): FieldOf<'integer', number, number, O> => spec('integer', options ?? {}),
  /** A 64-bit integer: a string on PostgreSQL (beyond 2^53 a number would round). */
  bigint: <const O extends KeyOptions<number | string> = {}>(options?: O): FieldOf<'bigint', number | string, number | string | bigint, O> => spec('bigint', options ?? {}),
  float: <const O extends CommonOptions<number> = {}>(options?: O): FieldOf<'float', number, number, O> => spec('float', options ?? {}),
  /** `decimal(p, s)`: exact, so a string (a number on SQLite). */
  decimal: <const O extends CommonOptions<string | number> = {}>(maxDigits: number, decimalPlaces: number, options?: O): FieldOf<'decimal', string | number, string | number, O> => {
    positiveInteger(maxDigits, 'decimal(maxDigits, decimalPlaces): maxDigits');
    if (!Number.isInteger(decimalPlaces) || decimalPlaces < 0 || decimalPlaces > maxDigits) {
      throw new TypeError(`decimal(${maxDigits}, ${decimalPlaces}): decimalPlaces must be a whole number from 0 to maxDigits`);
    }
    return spec('decimal', options ?? {}, { maxDigits, decimalPlaces });
  },
  /** true/false; read back as 1/0 on SQLite and MySQL. */
  boolean: <const O extends CommonOptions<boolean> = {}>(options?: O): FieldOf<'boolean', boolean | number, boolean | number, O> => spec('boolean', options ?? {}),
  varchar: <const O extends KeyOptions<string> = {}>(maxLength: number, options?: O): FieldOf<'varchar', string, string, O> =>
    spec('varchar', options ?? {}, { maxLength: positiveInteger(maxLength, 'varchar(maxLength)') }),
  text: <const O extends CommonOptions<string> = {}>(options?: O): FieldOf<'text', string, string, O> => spec('text', options ?? {}),
  /** A calendar day, `YYYY-MM-DD` (a Date from PostgreSQL and MySQL); `default: 'now'` is today. */
  date: <const O extends CommonOptions<string> = {}>(options?: O): FieldOf<'date', Timestamp, Timestamp, O> => spec('date', options ?? {}),
  /** A moment, with time zone where the database keeps one; `default: 'now'` is the time of the insert. */
  timestamp: <const O extends CommonOptions<string> = {}>(options?: O): FieldOf<'timestamp', Timestamp, Timestamp, O> => spec('timestamp', options ?? {}),
  /** JSON: parsed on PostgreSQL and MySQL, text on SQLite and MariaDB (insert it as JSON.stringify(value)). */
  json: <const O extends CommonOptions<JsonValue> = {}>(options?: O): FieldOf<'json', unknown, unknown, O> => spec('json', options ?? {}),
  uuid: <const O extends KeyOptions<string> = {}>(options?: O): FieldOf<'uuid', string, string, O> => spec('uuid', options ?? {}),
  /**
   * A reference to another model's primary key, by its table name; the
   * column is `<field>_id` and is indexed. `onDelete` as in SQL (Django's
   * on_delete): 'cascade', 'set null' (needs `null: true`), 'restrict'.
   * Its value is typed as a number (the key of an `id()`).
   */
  foreignKey: <const O extends CommonOptions<number> & { onDelete?: OnDelete } = {}>(to: string, options?: O): FieldOf<'foreignKey', number, number, O, '$key_id'> => {
    if (typeof to !== 'string' || to === '') throw new TypeError('foreignKey(to): name the table it refers to, e.g. foreignKey(\'blog_author\')');
    return spec('foreignKey', { onDelete: 'cascade', ...options }, { to });
  },
};
