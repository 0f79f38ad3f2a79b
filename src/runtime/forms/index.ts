/**
 * tsgate/forms: HTML forms and JSON validation on Standard Schema (zod v4,
 * valibot, arktype): `defineForm()` for forms rendered with `{{form}}` /
 * `{{field form.x}}`, `request.validate(schema)` for APIs, answered with
 * RFC 9457 problem details when the input is wrong.
 */
export { BoundField } from './bound-field.js';
export {
  DEFAULT_MESSAGES,
  prettyName,
  WIDGETS,
  type Attribute,
  type AttrValue,
  type BindingMessages,
  type Choice,
  type FieldDefinition,
  type FieldSpec,
  type FieldSpecs,
  type Widget,
} from './fields.js';
export {
  defineForm,
  Form,
  type BoundForm,
  type CleanedData,
  type ErrorSink,
  type FieldValue,
  type FieldValues,
  type FormDefinition,
  type FormOf,
  type FormSpec,
  type UnboundOptions,
} from './form.js';
export { type BindOptions, type FormSource } from './source.js';
export { DEFAULT_JSON_MAX_BYTES, DEFAULT_JSON_MAX_DEPTH, type NormalForm } from '../http/json-body.js';
export {
  formFieldFor,
  modelFormFields,
  REQUIRED,
  type FormFieldOptions,
  type ModelFieldDescription,
  type ModelFieldKind,
  type ModelFieldValue,
  type ModelFormField,
  type ModelFormOptions,
} from './model-fields.js';
export { PROBLEM_CONTENT_TYPE, problem, ProblemError, problemResponse, type Problem, type ProblemFieldError } from '../http/problem.js';
export { isStandardSchema, runSchema, type StandardSchemaV1, type Validated } from '../http/standard-schema.js';
export { accepts, formatBytes, isUploadedFile, type UploadLimits } from './uploads.js';
export { type ValidateOptions } from '../http/validate.js';
export type { UploadedFile } from '../http/multipart.js';
