export { field, type ColumnNameOf, type ColumnTypeOf, type CommonOptions, type Field, type FieldKind, type FieldSpec, type JsonValue, type OnDelete } from './fields.js';
export { columnName, isModel, model, type Model, type ModelOptions, type Table, type Tables } from './model.js';
export { columnType, referenceKind, unindexableOn } from './columns.js';
