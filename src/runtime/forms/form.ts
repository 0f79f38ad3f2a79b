/**
 * Forms after Django's: a form is defined once from its fields (each with
 * an optional Standard Schema, label, help text and widget), then bound to
 * what a request sent, or left unbound with initial values to show.
 *
 *   const NameForm = defineForm({ fields: { name: { schema: v.pipe(v.string(), v.trim(), v.nonEmpty()) } } });
 *   const form = await NameForm.bind(request);          // request.form() and request.files()
 *   if (form.isValid()) form.cleanedData.name;          // typed from the schema
 *   else return render(request, 'page.html', { form }, 400);   // {{form}} / {{field form.name}}
 *
 * Binding reads each field's raw value, runs the field's schema, then (when
 * every field is valid) the form's `schema` over all the values and its
 * `clean()` hook: cross-field rules, as Django's Form.clean(). Fields that
 * are not declared are never read, so extra or hostile names
 * (`__proto__`, `constructor`) in a body cannot reach the clean data.
 */
import type { UploadedFile } from '../http/multipart.js';
import { BoundField, formatInitial } from './bound-field.js';
import {
  defineField,
  emptyValue,
  readRawValue,
  type BindingMessages,
  type FieldDefinition,
  type FieldSpec,
  type FieldSpecs,
  type Submitted,
} from './fields.js';
import type { NormalForm } from '../http/json-body.js';
import { submitted, type BindOptions, type FormSource } from './source.js';
import { issueKeys, runSchema, type StandardSchemaV1 } from '../http/standard-schema.js';

/** The raw value of a field without a schema, by widget. */
type RawValueOf<F> = F extends { widget: 'checkbox' }
  ? boolean
  : F extends { widget: 'file' }
    ? F extends { multiple: true }
      ? UploadedFile[]
      : UploadedFile | undefined
    : F extends { multiple: true }
      ? string[]
      : string;

/** A field's clean value: its schema's output, or its raw value. */
export type FieldValue<F> = F extends { schema: infer S extends StandardSchemaV1 } ? StandardSchemaV1.InferOutput<S> : RawValueOf<F>;

/** Every field's clean value, by name. */
export type FieldValues<Fields> = { -readonly [K in keyof Fields]: FieldValue<Fields[K]> };

/** The form's clean data: the form schema's output when it has one, else the fields' values. */
export type CleanedData<Fields, S> = S extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S> : FieldValues<Fields>;

/** What `clean()` gets to report problems with. */
export interface ErrorSink<Name extends string> {
  /** An error on a field, or on the form as a whole (`null`). */
  addError(field: Name | null, message: string): void;
}

export interface FormSpec<Fields extends FieldSpecs, S extends StandardSchemaV1 | undefined> {
  fields: Fields;
  /** A Standard Schema over all the fields' values: cross-field rules (zod's refine, valibot's forward/partialCheck, arktype's narrow). */
  schema?: S;
  /** Cross-field rules in code, run when every field is valid (Django's clean()). */
  clean?: (data: CleanedData<Fields, S>, form: ErrorSink<keyof Fields & string>) => void | Promise<void>;
  /** Messages of the checks before the schema (several values for one, file size and type, choices), for every field. */
  messages?: Partial<BindingMessages>;
  /** The Unicode normal form of submitted text; default NFC. */
  normalize?: NormalForm;
}

export interface UnboundOptions<Name extends string> {
  /** Values to show, by field name; a field's own `initial` otherwise. */
  initial?: Partial<Record<Name, unknown>>;
  prefix?: string;
}

interface FormState {
  definitions: readonly FieldDefinition[];
  prefix: string;
  /** Sent values (bound), or the initial values as text (unbound), by field name. */
  shown: (field: FieldDefinition) => { values: readonly string[]; checked: boolean };
  isBound: boolean;
}

const ACCEPT = Symbol('accept');
const RUN = Symbol('run');

/** A bound or unbound form. Its fields are properties too: `form.title`, as templates read them. */
export class Form<Name extends string = string, Data = Record<string, unknown>> implements ErrorSink<Name> {
  readonly #state: FormState;
  readonly #errors = new Map<string, string[]>();
  readonly #nonFieldErrors: string[] = [];
  readonly #bound = new Map<string, BoundField>();
  #cleaned: Data | undefined;

  constructor(state: FormState) {
    this.#state = state;
    for (const definition of state.definitions) this.#errors.set(definition.name, []);
  }

  get isBound(): boolean {
    return this.#state.isBound;
  }
  get prefix(): string {
    return this.#state.prefix;
  }

  /** Bound, and neither a field nor the form has an error. */
  isValid(): this is this & { readonly cleanedData: Data } {
    return this.#state.isBound && this.#cleaned !== undefined && this.errorCount === 0;
  }

  /** The clean data, typed from the schemas; undefined unless the form is valid. */
  get cleanedData(): Data | undefined {
    return this.isValid() ? this.#cleaned : undefined;
  }

  /** Errors by field name, only for fields that have some. */
  get errors(): Readonly<Record<string, readonly string[]>> {
    return Object.fromEntries([...this.#errors].filter(([, messages]) => messages.length > 0));
  }
  get nonFieldErrors(): readonly string[] {
    return this.#nonFieldErrors;
  }
  /** What goes above the fields: the form's own errors, and those of hidden fields (which have no place of their own). */
  get topErrors(): string[] {
    const hidden = this.#state.definitions.filter((definition) => definition.widget === 'hidden');
    return [...this.#nonFieldErrors, ...hidden.flatMap((definition) => (this.#errors.get(definition.name) ?? []).map((message) => `(Hidden field ${definition.name}) ${message}`))];
  }
  get errorCount(): number {
    let count = this.#nonFieldErrors.length;
    for (const messages of this.#errors.values()) count += messages.length;
    return count;
  }

  /** Adds an error after the fact, e.g. from the view: `form.addError('email', 'That address is taken.')`. */
  addError(field: Name | null, message: string): void {
    if (field === null) {
      this.#nonFieldErrors.push(message);
      return;
    }
    const messages = this.#errors.get(field);
    if (!messages) throw new Error(`addError: the form has no field ${JSON.stringify(field)}`);
    messages.push(message);
  }

  /** The field called `name`, for templates. */
  field(name: Name): BoundField {
    let bound = this.#bound.get(name);
    if (bound) return bound;
    const definition = this.#state.definitions.find((candidate) => candidate.name === name);
    if (!definition) throw new Error(`the form has no field ${JSON.stringify(name)}`);
    const shown = this.#state.shown(definition);
    bound = new BoundField(definition, this.#state.prefix, shown.values, shown.checked, this.#errors.get(name) ?? []);
    this.#bound.set(name, bound);
    return bound;
  }

  /** Every field, in order. */
  get fields(): BoundField[] {
    return this.#state.definitions.map((definition) => this.field(definition.name as Name));
  }
  get visibleFields(): BoundField[] {
    return this.fields.filter((field) => !field.isHidden);
  }
  get hiddenFields(): BoundField[] {
    return this.fields.filter((field) => field.isHidden);
  }
  /** True when a field is a file input: the `<form>` then needs `enctype="multipart/form-data"`. */
  get isMultipart(): boolean {
    return this.#state.definitions.some((definition) => definition.widget === 'file');
  }

  /** Sets the clean data once binding found it valid; called by bind(). A symbol, so no field name can clash with it. */
  protected [ACCEPT](data: Data): void {
    this.#cleaned = data;
  }
}

/** A bound or unbound form with its fields as properties. */
export type BoundForm<Fields, Data> = Form<keyof Fields & string, Data> & { readonly [K in keyof Fields]: BoundField };

/** The bound or unbound form a definition makes: `FormOf<typeof NameForm>`. */
export type FormOf<Definition> = Definition extends FormDefinition<infer Fields, infer Data> ? BoundForm<Fields, Data> : never;

export interface FormDefinition<Fields extends FieldSpecs, Data> {
  /** The fields, in order, their defaults filled in. */
  readonly fields: readonly FieldDefinition[];
  /** Binds the form to submitted data and validates it. */
  bind(source: FormSource, options?: BindOptions): Promise<BoundForm<Fields, Data>>;
  /** A form to show: nothing sent, fields showing their initial values. */
  unbound(options?: UnboundOptions<keyof Fields & string>): BoundForm<Fields, Data>;
}

/** Names a field cannot take: the form's own properties, and every object's. */
const RESERVED = new Set([...Object.getOwnPropertyNames(Form.prototype), ...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

/** A field refuses its empty value: the HTML `required` attribute. Asynchronous or throwing schemas count as required. */
function refusesEmpty(schema: StandardSchemaV1, value: unknown): boolean {
  try {
    const result = schema['~standard'].validate(value);
    if (result instanceof Promise) {
      result.catch(() => undefined);
      return true;
    }
    return result.issues !== undefined;
  } catch {
    return true;
  }
}

/** The fields a form-level schema refuses when every field is empty. */
function requiredByFormSchema(schema: StandardSchemaV1, definitions: readonly FieldDefinition[]): Set<string> {
  const empty = Object.fromEntries(definitions.map((definition) => [definition.name, emptyValue(definition)]));
  try {
    const result = schema['~standard'].validate(empty);
    if (result instanceof Promise) {
      result.catch(() => undefined);
      return new Set(definitions.map((definition) => definition.name));
    }
    return new Set((result.issues ?? []).map((issue) => String(issueKeys(issue)[0])));
  } catch {
    return new Set(definitions.map((definition) => definition.name));
  }
}

function resolveFields<Fields extends FieldSpecs>(spec: FormSpec<Fields, StandardSchemaV1 | undefined>): FieldDefinition[] {
  const entries = Object.entries(spec.fields) as [string, FieldSpec][];
  if (entries.length === 0) throw new Error('defineForm: a form needs at least one field');
  for (const [name] of entries) {
    if (RESERVED.has(name)) throw new Error(`form field ${JSON.stringify(name)}: the name is taken by the form itself (form.${name}); name the field otherwise`);
  }
  const definitions = entries.map(([name, field]) => defineField(name, field, spec.messages ?? {}, spec.normalize ?? 'NFC'));
  const byFormSchema = spec.schema ? requiredByFormSchema(spec.schema, definitions) : new Set<string>();
  return definitions.map((definition, index) => {
    const given = entries[index]?.[1].required;
    if (given !== undefined) return definition;
    const required = definition.schema ? refusesEmpty(definition.schema, emptyValue(definition)) : byFormSchema.has(definition.name);
    return { ...definition, required };
  });
}

/** Defines a form: its fields, and optionally a schema over all of them and a clean() hook. */
export function defineForm<const Fields extends FieldSpecs, S extends StandardSchemaV1 | undefined = undefined>(
  spec: FormSpec<Fields, S>,
): FormDefinition<Fields, CleanedData<Fields, S>> {
  type Data = CleanedData<Fields, S>;
  type Name = keyof Fields & string;
  const definitions = resolveFields(spec);

  // One class per form, its fields as getters, so `form.title` reads in templates as in Django.
  class DefinedForm extends Form<Name, Data> {
    /** Binds and validates: raw values, each field's schema, then the form's schema and clean(). */
    async [RUN](data: Submitted): Promise<this> {
      const values: Record<string, unknown> = {};
      for (const definition of definitions) {
        const raw = readRawValue(definition, data);
        if (!raw.ok) {
          this.addError(definition.name as Name, raw.message);
          continue;
        }
        if (!definition.schema) {
          values[definition.name] = raw.value;
          continue;
        }
        const result = await runSchema(definition.schema, raw.value);
        if (result.ok) values[definition.name] = result.value;
        else for (const issue of result.issues) this.addError(definition.name as Name, issue.message);
      }
      if (this.errorCount > 0) return this;
      let cleaned = values as Data;
      if (spec.schema) {
        const result = await runSchema(spec.schema, values);
        if (!result.ok) {
          for (const issue of result.issues) {
            const key = issueKeys(issue)[0];
            const field = typeof key === 'string' && definitions.some((definition) => definition.name === key) ? (key as Name) : null;
            this.addError(field, issue.message);
          }
          return this;
        }
        cleaned = result.value as Data;
      }
      if (spec.clean) await spec.clean(cleaned, this);
      if (this.errorCount === 0) this[ACCEPT](cleaned);
      return this;
    }
  }
  for (const definition of definitions) {
    Object.defineProperty(DefinedForm.prototype, definition.name, {
      get(this: DefinedForm) {
        return this.field(definition.name as Name);
      },
      enumerable: true,
    });
  }

  return {
    fields: definitions,
    async bind(source, options = {}) {
      const data = await submitted(source, options);
      const form = new DefinedForm({
        definitions,
        prefix: options.prefix ?? '',
        isBound: true,
        shown: (definition) => {
          const values = definition.widget === 'file' ? [] : data.values(definition.name);
          return { values, checked: values.length > 0 && values.at(-1)?.toLowerCase() !== 'false' };
        },
      });
      return (await form[RUN](data)) as BoundForm<Fields, Data>;
    },
    unbound(options = {}) {
      const initial: Partial<Record<string, unknown>> = options.initial ?? {};
      return new DefinedForm({
        definitions,
        prefix: options.prefix ?? '',
        isBound: false,
        shown: (definition) => {
          const value = Object.hasOwn(initial, definition.name) ? initial[definition.name] : definition.initial;
          return { values: formatInitial(value, definition.widget), checked: value === true || (typeof value === 'string' && value !== '' && value !== 'false') };
        },
      }) as BoundForm<Fields, Data>;
    },
  };
}
