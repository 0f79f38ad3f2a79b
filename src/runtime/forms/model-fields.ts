/**
 * Form fields from model fields, as Django's ModelForm builds them: a
 * field's kind and options (`varchar(200)`, `null`, `default`) give its
 * schema (valibot, the library tsgate projects use), widget, attributes and
 * initial value. `modelFormFields(model, { fields: ['title', 'body'] })`
 * goes into `defineForm({ fields })`; the fields are named explicitly, never
 * "all", so a column added later is not silently writable from a form.
 *
 * Text is trimmed, as Django's CharField strips it. An empty value is
 * `null` for a `null: true` field, else "This field is required."
 * `unique` is not checked here: it needs the database (check it in the
 * view, or let the constraint fail, and `form.addError()` the message).
 */
import * as v from 'valibot';
import type { Choice, FieldSpec, Widget } from './fields.js';
import { DEFAULT_JSON_MAX_DEPTH, withinDepth } from '../http/json-body.js';
import type { StandardSchemaV1 } from '../http/standard-schema.js';

export type ModelFieldKind = 'id' | 'bigId' | 'integer' | 'bigint' | 'float' | 'decimal' | 'boolean' | 'varchar' | 'text' | 'date' | 'timestamp' | 'json' | 'uuid' | 'foreignKey';

/** A model field as forms need to know it. */
export interface ModelFieldDescription {
  kind: ModelFieldKind;
  /** `varchar(n)`: the most characters. */
  maxLength?: number;
  /** `decimal(p, s)`: digits in all, and after the point. */
  maxDigits?: number;
  decimalPlaces?: number;
  /** The column takes NULL: the form field may be left empty. */
  null?: boolean;
  /** The form's initial value (a function default, such as `now`, is not shown). */
  default?: unknown;
  unique?: boolean;
}

/** The clean value of each kind. Dates are `YYYY-MM-DD` strings (no time zone to shift them); timestamps Dates in UTC; decimals exact strings. */
interface KindValues {
  id: number;
  bigId: number;
  integer: number;
  bigint: bigint;
  float: number;
  decimal: string;
  boolean: boolean;
  varchar: string;
  text: string;
  date: string;
  timestamp: Date;
  json: unknown;
  uuid: string;
  foreignKey: number;
}

export type ModelFieldValue<D extends ModelFieldDescription> = D extends { null: true } ? KindValues[D['kind']] | null : KindValues[D['kind']];

/** The form field of a model field: its schema's output is the model field's value. */
export type ModelFormField<D extends ModelFieldDescription> = FieldSpec & { schema: StandardSchemaV1<unknown, ModelFieldValue<D>> };

/** Overrides for the form field built from a model field. */
export interface FormFieldOptions {
  label?: string;
  help?: string;
  widget?: Widget;
  /** A foreign key's choices (`[id, label]` from the related table), or a field limited to some values. */
  choices?: readonly Choice[];
  attrs?: FieldSpec['attrs'];
}

export const REQUIRED = 'This field is required.';

const INT32 = [-2147483648, 2147483647] as const;
const INT64 = [-9223372036854775808n, 9223372036854775807n] as const;
const INTEGER = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const DECIMAL = /^[+-]?(\d*)(?:\.(\d*))?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?$/;

type TextSchema<T> = v.GenericSchema<string, T>;

const atMost = (limit: number | bigint) => `Ensure this value is less than or equal to ${limit}.`;
const atLeast = (limit: number | bigint) => `Ensure this value is greater than or equal to ${limit}.`;

/** A real calendar day: `2023-02-29` matches the pattern but is no date. */
function isCalendarDate(text: string): boolean {
  const [, year, month, day] = DATE.exec(text) ?? [];
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.getUTCFullYear() === Number(year) && date.getUTCMonth() + 1 === Number(month) && date.getUTCDate() === Number(day);
}

function decimalSchema(description: ModelFieldDescription): TextSchema<string> {
  const parts = (text: string) => {
    const [, whole = '', fraction = ''] = DECIMAL.exec(text) ?? [];
    return { whole: whole.replace(/^0+(?=\d)/, ''), fraction };
  };
  const { maxDigits, decimalPlaces } = description;
  return v.pipe(
    v.string(),
    v.check((text) => DECIMAL.test(text) && /\d/.test(text), 'Enter a number.'),
    v.check((text) => maxDigits === undefined || parts(text).whole.length + parts(text).fraction.length <= maxDigits, `Ensure that there are no more than ${maxDigits} digits in total.`),
    v.check((text) => decimalPlaces === undefined || parts(text).fraction.length <= decimalPlaces, `Ensure that there are no more than ${decimalPlaces} decimal places.`),
    v.check(
      (text) => maxDigits === undefined || decimalPlaces === undefined || parts(text).whole.length <= maxDigits - decimalPlaces,
      `Ensure that there are no more than ${(maxDigits ?? 0) - (decimalPlaces ?? 0)} digits before the decimal point.`,
    ),
    v.transform((text) => text.replace(/^\+/, '')),
  );
}

/** How the (trimmed, non-empty) text of each kind becomes its value. */
function parserFor(description: ModelFieldDescription): TextSchema<unknown> {
  switch (description.kind) {
    case 'integer':
    case 'foreignKey':
      return v.pipe(v.string(), v.regex(INTEGER, 'Enter a whole number.'), v.transform(Number), v.minValue(INT32[0], atLeast(INT32[0])), v.maxValue(INT32[1], atMost(INT32[1])));
    case 'bigint':
      return v.pipe(v.string(), v.regex(INTEGER, 'Enter a whole number.'), v.transform((text: string) => BigInt(text)), v.minValue(INT64[0], atLeast(INT64[0])), v.maxValue(INT64[1], atMost(INT64[1])));
    case 'float':
      return v.pipe(v.string(), v.regex(FLOAT, 'Enter a number.'), v.transform(Number), v.finite('Enter a number.'));
    case 'decimal':
      return decimalSchema(description);
    case 'varchar': {
      const limit = description.maxLength;
      if (limit === undefined) return v.string();
      return v.pipe(v.string(), v.maxLength(limit, (issue) => `Ensure this value has at most ${limit} characters (it has ${issue.received}).`));
    }
    case 'text':
      return v.string();
    case 'date':
      return v.pipe(v.string(), v.check((text) => DATE.test(text) && isCalendarDate(text), 'Enter a valid date.'));
    case 'timestamp':
      return v.pipe(
        v.string(),
        v.regex(DATETIME, 'Enter a valid date/time.'),
        v.check((text) => isCalendarDate(text.slice(0, 10)), 'Enter a valid date/time.'),
        v.transform((text) => new Date(`${text}Z`)),
        v.check((date) => !Number.isNaN(date.getTime()), 'Enter a valid date/time.'),
      );
    case 'json':
      // The depth first: V8's JSON.parse takes seconds over deeply nested text.
      return v.pipe(v.string(), v.check((text) => withinDepth(text, DEFAULT_JSON_MAX_DEPTH), 'Enter valid JSON.'), v.parseJson(undefined, 'Enter valid JSON.'));
    case 'uuid':
      return v.pipe(v.string(), v.toLowerCase(), v.uuid('Enter a valid UUID.'));
    case 'boolean':
    case 'id':
    case 'bigId':
      throw new Error(`no text parser for ${description.kind}`);
  }
}

/** Trimmed text, then '' is null (a null field) or "required", and the rest is parsed. */
function fromText(description: ModelFieldDescription): v.GenericSchema<string, unknown> {
  const parse = parserFor(description);
  return description.null
    ? v.pipe(v.string(), v.trim(), v.transform((text) => (text === '' ? null : text)), v.nullable(parse))
    : v.pipe(v.string(), v.trim(), v.nonEmpty(REQUIRED), parse);
}

function booleanField(description: ModelFieldDescription): { schema: v.GenericSchema<unknown, unknown>; widget: Widget; choices?: readonly Choice[] } {
  if (!description.null) return { schema: v.boolean(), widget: 'checkbox' };
  // Django's NullBooleanSelect.
  return {
    schema: v.pipe(v.string(), v.transform((text) => (text === '' ? null : text === 'true'))),
    widget: 'select',
    choices: [
      ['', 'Unknown'],
      ['true', 'Yes'],
      ['false', 'No'],
    ],
  };
}

const WIDGET_OF: Readonly<Record<Exclude<ModelFieldKind, 'id' | 'bigId' | 'boolean'>, Widget>> = {
  integer: 'number',
  bigint: 'number',
  float: 'number',
  decimal: 'text',
  varchar: 'text',
  text: 'textarea',
  date: 'date',
  timestamp: 'datetime',
  json: 'textarea',
  uuid: 'text',
  foreignKey: 'number',
};

function attrsFor(description: ModelFieldDescription): Record<string, string | number> {
  switch (description.kind) {
    case 'varchar':
      return description.maxLength === undefined ? {} : { maxlength: description.maxLength };
    case 'integer':
      return { step: 1, min: INT32[0], max: INT32[1] };
    case 'bigint':
      return { step: 1 };
    case 'float':
      return { step: 'any' };
    case 'decimal':
      return { inputmode: 'decimal' };
    default:
      return {};
  }
}

/** The form field of one model field: a plain function of its kind and options. */
export function formFieldFor<const D extends ModelFieldDescription>(description: D, options: FormFieldOptions = {}): ModelFormField<D> {
  if (description.kind === 'id' || description.kind === 'bigId') throw new Error('an id field is not editable: leave it out of the form');
  const base = description.kind === 'boolean' ? booleanField(description) : { schema: fromText(description), widget: WIDGET_OF[description.kind] };
  const choices = options.choices ?? ('choices' in base ? base.choices : undefined);
  const widget = options.widget ?? (choices && description.kind !== 'boolean' ? 'select' : base.widget);
  const initial = typeof description.default === 'function' ? undefined : description.default;
  return {
    schema: base.schema as StandardSchemaV1<unknown, ModelFieldValue<D>>,
    widget,
    ...(choices ? { choices } : {}),
    ...(initial === undefined ? {} : { initial }),
    ...(options.label === undefined ? {} : { label: options.label }),
    ...(options.help === undefined ? {} : { help: options.help }),
    attrs: { ...(widget === base.widget ? attrsFor(description) : {}), ...options.attrs },
  };
}

export interface ModelFormOptions<K extends string> {
  /** The model fields the form edits, in order. */
  fields: readonly K[];
  labels?: Partial<Record<K, string>>;
  help?: Partial<Record<K, string>>;
  widgets?: Partial<Record<K, Widget>>;
  choices?: Partial<Record<K, readonly Choice[]>>;
}

/** The form fields of some of a model's fields: `defineForm({ fields: modelFormFields(note, { fields: ['title', 'body'] }) })`. */
export function modelFormFields<const Model extends Readonly<Record<string, ModelFieldDescription>>, const K extends keyof Model & string>(
  model: Model,
  options: ModelFormOptions<K>,
): { [P in K]: ModelFormField<Model[P]> } {
  const fields: Partial<Record<K, FieldSpec>> = {};
  for (const name of options.fields) {
    const description = model[name];
    if (description === undefined) throw new Error(`modelFormFields: the model has no field ${JSON.stringify(name)} (it has ${Object.keys(model).join(', ')})`);
    const label = options.labels?.[name];
    const help = options.help?.[name];
    const widget = options.widgets?.[name];
    const choices = options.choices?.[name];
    fields[name] = formFieldFor(description, {
      ...(label === undefined ? {} : { label }),
      ...(help === undefined ? {} : { help }),
      ...(widget === undefined ? {} : { widget }),
      ...(choices === undefined ? {} : { choices }),
    });
  }
  return fields as { [P in K]: ModelFormField<Model[P]> };
}
