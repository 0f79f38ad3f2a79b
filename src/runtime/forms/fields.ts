/**
 * A form's fields: how each is described (label, help text, widget,
 * choices, its schema), and how its raw value is read from submitted data,
 * as Django's widgets' value_from_datadict: a text input gives its string
 * ('' when absent, as a browser sends an empty input), a checkbox whether
 * it was sent, a file input its upload. The schema then turns that raw
 * value into clean data.
 */
import type { UploadedFile } from '../http/multipart.js';
import type { NormalForm } from '../http/json-body.js';
import type { StandardSchemaV1 } from '../http/standard-schema.js';
import { checkUpload, fillMessage, isEmptyUpload, type UploadMessages } from './uploads.js';

export type Widget = 'text' | 'email' | 'password' | 'textarea' | 'select' | 'checkbox' | 'number' | 'date' | 'datetime' | 'file' | 'hidden';

export const WIDGETS: readonly Widget[] = ['text', 'email', 'password', 'textarea', 'select', 'checkbox', 'number', 'date', 'datetime', 'file', 'hidden'];

/** A select's option: its value, or `[value, label]`. */
export type Choice = string | readonly [value: string, label: string];

export type AttrValue = string | number | boolean;

/** Messages of the checks a form makes before the schema; `{…}` placeholders are filled in. */
export interface BindingMessages extends UploadMessages {
  /** A field that takes one value was sent several: `{count}`. */
  multiple: string;
  /** A select's value is not one of its choices: `{value}`. */
  choice: string;
}

export const DEFAULT_MESSAGES: BindingMessages = {
  multiple: 'Send one value for this field, not {count}.',
  choice: 'Select a valid choice; {value} is not one of the choices.',
  fileSize: '{name} is {size}; files here can be at most {limit}.',
  fileType: '{name} is not a kind of file this field takes ({accept}).',
};

/** How a form field is described. Every property is optional. */
export interface FieldSpec {
  /** A Standard Schema (zod, valibot, arktype) that turns the raw value into clean data; without one the raw value is kept. */
  schema?: StandardSchemaV1;
  /** Default: the name made readable (`first_name` → `First name`). */
  label?: string;
  help?: string;
  /** Default `text`; `select` when there are choices. */
  widget?: Widget;
  choices?: readonly Choice[];
  /** A select of several values (a `string[]`), or a file input of several files. */
  multiple?: boolean;
  /** The value an unbound form shows. */
  initial?: unknown;
  /** The HTML `required` attribute; default: whether the schema refuses the empty value. */
  required?: boolean;
  /** More attributes of the input: `{ maxlength: 100, autocomplete: 'name' }`; `true` writes a bare attribute, `false` none. */
  attrs?: Readonly<Record<string, AttrValue>>;
  /** File inputs: the largest file, in bytes. */
  maxBytes?: number;
  /** File inputs: accepted types, as HTML's `accept` (`image/*`, `application/pdf`, `.csv`). */
  accept?: readonly string[];
  /** The Unicode normal form submitted text is brought to; default the form's (NFC). */
  normalize?: NormalForm;
  messages?: Partial<BindingMessages>;
}

export type FieldSpecs = Readonly<Record<string, FieldSpec>>;

/** An HTML attribute of a widget, ready for the template. */
export interface Attribute {
  name: string;
  value: string;
  /** A bare attribute (`required`, `autofocus`): no value written. */
  boolean: boolean;
}

/** A field as the form uses it: its description, defaults filled in. */
export interface FieldDefinition {
  name: string;
  label: string;
  help: string;
  widget: Widget;
  choices: readonly { value: string; label: string }[];
  multiple: boolean;
  initial: unknown;
  required: boolean;
  attrs: readonly Attribute[];
  schema: StandardSchemaV1 | undefined;
  maxBytes: number | undefined;
  accept: readonly string[] | undefined;
  normalize: NormalForm;
  messages: BindingMessages;
}

/** `first_name`, `firstName` → `First name`, as Django's pretty_name. */
export function prettyName(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const ATTRIBUTE_NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*$/;
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function attributes(name: string, attrs: Readonly<Record<string, AttrValue>> = {}): Attribute[] {
  const list: Attribute[] = [];
  for (const [key, value] of Object.entries(attrs)) {
    if (!ATTRIBUTE_NAME.test(key)) throw new Error(`field ${name}: ${JSON.stringify(key)} is not an HTML attribute name`);
    if (value === false) continue;
    list.push({ name: key, value: value === true ? '' : String(value), boolean: value === true });
  }
  return list;
}

/** The raw value a field reads when nothing was sent for it. */
export function emptyValue(field: Pick<FieldDefinition, 'widget' | 'multiple'>): unknown {
  if (field.widget === 'checkbox') return false;
  if (field.widget === 'file') return field.multiple ? [] : undefined;
  return field.multiple ? [] : '';
}

/** The description with its defaults; throws on a name or description that cannot work. */
export function defineField(name: string, spec: FieldSpec, formMessages: Partial<BindingMessages>, formNormalize: NormalForm): FieldDefinition {
  if (!FIELD_NAME.test(name)) throw new Error(`form field ${JSON.stringify(name)}: a field name is a letter or _ then letters, digits or _`);
  const widget = spec.widget ?? (spec.choices ? 'select' : 'text');
  if (!WIDGETS.includes(widget)) throw new Error(`form field ${name}: unknown widget ${JSON.stringify(widget)} (one of ${WIDGETS.join(', ')})`);
  if (widget === 'select' && !spec.choices) throw new Error(`form field ${name}: a select needs its choices`);
  if (spec.multiple && widget !== 'select' && widget !== 'file') throw new Error(`form field ${name}: only select and file fields take multiple values`);
  return {
    name,
    label: spec.label ?? prettyName(name),
    help: spec.help ?? '',
    widget,
    choices: (spec.choices ?? []).map((choice) => (typeof choice === 'string' ? { value: choice, label: choice } : { value: choice[0], label: choice[1] })),
    multiple: spec.multiple ?? false,
    initial: spec.initial,
    required: spec.required ?? true,
    attrs: attributes(name, widget === 'file' && spec.accept ? { accept: spec.accept.join(','), ...spec.attrs } : spec.attrs),
    schema: spec.schema,
    maxBytes: spec.maxBytes,
    accept: spec.accept,
    normalize: spec.normalize ?? formNormalize,
    messages: { ...DEFAULT_MESSAGES, ...formMessages, ...spec.messages },
  };
}

/** Submitted data as the form reads it: every value sent under a name, in order. */
export interface Submitted {
  values(name: string): readonly string[];
  files(name: string): readonly UploadedFile[];
}

export type RawValue = { ok: true; value: unknown } | { ok: false; message: string };

function oneOf(field: FieldDefinition, values: readonly string[]): RawValue {
  const allowed = new Set(field.choices.map((choice) => choice.value));
  const wrong = values.find((value) => !allowed.has(value));
  return wrong === undefined ? { ok: true, value: field.multiple ? [...values] : values[0] } : { ok: false, message: fillMessage(field.messages.choice, { value: JSON.stringify(wrong) }) };
}

function readFiles(field: FieldDefinition, data: Submitted): RawValue {
  const files = data.files(field.name).filter((file) => !isEmptyUpload(file));
  if (files.length > 1 && !field.multiple) return { ok: false, message: fillMessage(field.messages.multiple, { count: files.length }) };
  for (const file of files) {
    const problem = checkUpload(file, field, field.messages);
    if (problem !== undefined) return { ok: false, message: problem };
  }
  return { ok: true, value: field.multiple ? files : files[0] };
}

/** The field's raw value in `data`, or why it cannot have one (several values for one, a file too large…). */
export function readRawValue(field: FieldDefinition, data: Submitted): RawValue {
  if (field.widget === 'file') return readFiles(field, data);
  const sent = data.values(field.name);
  if (field.widget === 'checkbox') {
    // Sent means checked, unless a script sent 'false' (Django's CheckboxInput).
    return { ok: true, value: sent.length > 0 && sent.at(-1)?.toLowerCase() !== 'false' };
  }
  const form = field.normalize;
  const values = form ? sent.map((value) => value.normalize(form)) : sent;
  if (values.length > 1 && !field.multiple) return { ok: false, message: fillMessage(field.messages.multiple, { count: values.length }) };
  if (field.widget === 'select' && values.length > 0 && !(values.length === 1 && values[0] === '' && !field.multiple)) return oneOf(field, values);
  return { ok: true, value: field.multiple ? [...values] : (values[0] ?? '') };
}
