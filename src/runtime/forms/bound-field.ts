/**
 * A field of a bound or unbound form, as the templates read it
 * (`{{field form.title}}` and the `forms/*.html` partials): ids, label,
 * help, the value to show, errors and the ARIA wiring between them. The
 * value shown is what was sent (or the initial value), never a password's
 * or a file's.
 */
import type { Attribute, FieldDefinition, Widget } from './fields.js';

const INPUT_TYPES: Readonly<Record<Widget, string>> = {
  text: 'text',
  email: 'email',
  password: 'password',
  textarea: 'text',
  select: 'text',
  checkbox: 'checkbox',
  number: 'number',
  date: 'date',
  datetime: 'datetime-local',
  file: 'file',
  hidden: 'hidden',
};

/** An initial value as the text an input shows. */
export function formatInitial(value: unknown, widget: Widget): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.flatMap((item: unknown) => formatInitial(item, widget));
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return [];
    const iso = value.toISOString();
    return [widget === 'date' ? iso.slice(0, 10) : widget === 'datetime' ? iso.slice(0, 16) : iso];
  }
  if (typeof value === 'object') return [JSON.stringify(value)];
  return [String(value)];
}

export class BoundField {
  readonly name: string;
  /** The `name` attribute: the field's name, after the form's prefix if it has one (`billing-city`). */
  readonly htmlName: string;
  readonly id: string;
  readonly label: string;
  readonly help: string;
  readonly widget: Widget;
  readonly required: boolean;
  readonly multiple: boolean;
  readonly attrs: readonly Attribute[];
  /** The field's errors; the same array the form adds to. */
  readonly errors: readonly string[];

  constructor(
    private readonly definition: FieldDefinition,
    prefix: string,
    /** What was sent under the field's name, or its initial value as text. */
    private readonly shown: readonly string[],
    /** Whether a checkbox shows checked. */
    readonly checked: boolean,
    errors: readonly string[],
  ) {
    this.name = definition.name;
    this.htmlName = prefix ? `${prefix}-${definition.name}` : definition.name;
    this.id = `id_${this.htmlName}`;
    this.label = definition.label;
    this.help = definition.help;
    this.widget = definition.widget;
    this.required = definition.required;
    this.multiple = definition.multiple;
    this.attrs = definition.attrs;
    this.errors = errors;
  }

  get inputType(): string {
    return INPUT_TYPES[this.widget];
  }
  get helpId(): string {
    return `${this.id}_help`;
  }
  get errorsId(): string {
    return `${this.id}_errors`;
  }
  get invalid(): boolean {
    return this.errors.length > 0;
  }
  /** The ids `aria-describedby` points at: the help text, and the errors when there are some. */
  get describedBy(): string {
    return [this.help ? this.helpId : '', this.invalid ? this.errorsId : ''].filter(Boolean).join(' ');
  }
  /** The value written into the input: the last sent, as a browser submits; never a password's or a file's. */
  get value(): string {
    if (this.widget === 'password' || this.widget === 'file') return '';
    return this.shown.at(-1) ?? '';
  }
  get hasValue(): boolean {
    return this.value !== '';
  }
  get choices(): { value: string; label: string; selected: boolean }[] {
    const selected = new Set(this.shown);
    return this.definition.choices.map((choice) => ({ ...choice, selected: selected.has(choice.value) }));
  }
  get isTextarea(): boolean {
    return this.widget === 'textarea';
  }
  get isSelect(): boolean {
    return this.widget === 'select';
  }
  get isCheckbox(): boolean {
    return this.widget === 'checkbox';
  }
  get isHidden(): boolean {
    return this.widget === 'hidden';
  }
}
