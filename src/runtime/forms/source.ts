/**
 * What a form binds to, read as the form reads it: every value sent under a
 * name, and the files of a field. A request gives its form fields and
 * uploads; URLSearchParams and plain objects (a parsed JSON body, a test's
 * literal) work too, and a plain object's values are never trusted to be
 * the strings its type says.
 */
import type { UploadedFile } from '../http/multipart.js';
import type { Submitted } from './fields.js';

/** What a form binds to: a request (its form fields and files), URLSearchParams, or a plain object. */
export type FormSource =
  | { form(): Promise<URLSearchParams>; files(): Promise<UploadedFile[]> }
  | URLSearchParams
  | Readonly<Record<string, string | readonly string[]>>;

export interface BindOptions {
  /** Uploaded files, when the source is not a request. */
  files?: readonly UploadedFile[];
  /** Several forms on one page: this one's fields are named `<prefix>-<name>`. */
  prefix?: string;
}

function isRequest(source: FormSource): source is { form(): Promise<URLSearchParams>; files(): Promise<UploadedFile[]> } {
  return typeof (source as { form?: unknown }).form === 'function' && typeof (source as { files?: unknown }).files === 'function';
}

/** The source as the form reads it, under the prefix if there is one. */
export async function submitted(source: FormSource, options: BindOptions): Promise<Submitted> {
  let files = options.files ?? [];
  let values: (name: string) => readonly string[];
  if (isRequest(source)) {
    const [fields, uploaded] = await Promise.all([source.form(), source.files()]);
    files = uploaded;
    values = (name) => fields.getAll(name);
  } else if (source instanceof URLSearchParams) {
    values = (name) => source.getAll(name);
  } else {
    const record = source as Readonly<Record<string, string | readonly string[]>>;
    values = (name) => {
      if (!Object.hasOwn(record, name)) return [];
      // Typed as strings, but a plain object may come from anywhere (a parsed JSON body): never trust it.
      const value: unknown = record[name];
      if (Array.isArray(value)) return value.map(String);
      return value === undefined || value === null ? [] : [String(value)];
    };
  }
  const prefix = options.prefix ? `${options.prefix}-` : '';
  return { values: (name) => values(prefix + name), files: (name) => files.filter((file) => file.field === prefix + name) };
}
