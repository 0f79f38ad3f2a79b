/**
 * Each field kind's column type on each backend, after Django's
 * `data_types`: `timestamptz`/`jsonb`/`uuid` on PostgreSQL, `datetime(6)`
 * and `json` on MySQL/MariaDB, type names with the right affinity on SQLite.
 */
import type { Backend } from '../url.js';
import type { FieldKind, FieldSpec } from './fields.js';

const TYPES: Record<Exclude<FieldKind, 'foreignKey' | 'varchar' | 'decimal'>, Record<Backend, string>> = {
  id: { sqlite: 'integer', postgres: 'integer', mysql: 'integer' },
  bigId: { sqlite: 'integer', postgres: 'bigint', mysql: 'bigint' },
  integer: { sqlite: 'integer', postgres: 'integer', mysql: 'integer' },
  bigint: { sqlite: 'bigint', postgres: 'bigint', mysql: 'bigint' },
  float: { sqlite: 'real', postgres: 'double precision', mysql: 'double precision' },
  boolean: { sqlite: 'boolean', postgres: 'boolean', mysql: 'boolean' },
  text: { sqlite: 'text', postgres: 'text', mysql: 'longtext' },
  date: { sqlite: 'date', postgres: 'date', mysql: 'date' },
  timestamp: { sqlite: 'datetime', postgres: 'timestamp with time zone', mysql: 'datetime(6)' },
  json: { sqlite: 'text', postgres: 'jsonb', mysql: 'json' },
  uuid: { sqlite: 'char(36)', postgres: 'uuid', mysql: 'char(36)' },
};

/** The type a foreign key to a primary key of this kind takes: the key's, without auto-increment. */
export function referenceKind(target: FieldSpec): FieldSpec {
  if (target.kind === 'id') return { kind: 'integer' };
  if (target.kind === 'bigId') return { kind: 'bigint' };
  return target;
}

/** The column type of `spec` on `backend`; a foreign key's is its target key's (`target`). */
export function columnType(spec: FieldSpec, backend: Backend, target?: FieldSpec): string {
  if (spec.kind === 'foreignKey') {
    if (!target) throw new Error(`a foreign key to ${spec.to} needs its target's primary key`);
    return columnType(referenceKind(target), backend);
  }
  if (spec.kind === 'varchar') return `varchar(${spec.maxLength ?? 255})`;
  if (spec.kind === 'decimal') return `decimal(${spec.maxDigits ?? 10}, ${spec.decimalPlaces ?? 0})`;
  return TYPES[spec.kind][backend];
}

/** Kinds MySQL cannot index or make unique without a prefix length. */
export function unindexableOn(backend: Backend, spec: FieldSpec): boolean {
  return backend === 'mysql' && (spec.kind === 'text' || spec.kind === 'json');
}
