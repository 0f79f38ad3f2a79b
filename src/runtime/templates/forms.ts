/**
 * How forms render: the `{{form}}` and `{{field form.title}}` helpers, and
 * the partials they render (`forms/form.html`, `forms/field.html`,
 * `forms/widgets/*.html`). The partials below are the defaults; a file of
 * the same name in the project's `templates/forms/` (or an app's) replaces
 * one, as any template folder shadows a later one.
 *
 * They read the bound form and fields of tsgate/forms (label, ids, value,
 * errors); every value goes through handlebars' escaping.
 */
import type Handlebars from 'handlebars';
import { isObject, splitCall, type Helper } from './helpers.js';

/** The attributes every widget carries: name, id, required, and the ARIA state of its errors and help. */
const ATTRS =
  ' name="{{field.htmlName}}" id="{{field.id}}"{{#if field.required}} required{{/if}}' +
  '{{#if field.invalid}} aria-invalid="true"{{/if}}{{#if field.describedBy}} aria-describedby="{{field.describedBy}}"{{/if}}' +
  '{{#each field.attrs}} {{name}}{{#unless boolean}}="{{value}}"{{/unless}}{{/each}}';

/** The built-in form templates, by name. */
export const FORM_TEMPLATES: Readonly<Record<string, string>> = {
  'forms/form.html': `{{#if form.topErrors.length}}<ul class="errorlist nonfield" role="alert">{{#each form.topErrors}}<li>{{this}}</li>{{/each}}</ul>
{{/if}}{{#each form.visibleFields}}{{field this}}
{{/each}}{{#each form.hiddenFields}}{{> forms/widgets/input.html field=this}}{{/each}}{{csrf_input}}`,

  'forms/field.html': `<div class="field field-{{field.widget}}{{#if field.invalid}} field-invalid{{/if}}">
{{#if field.isCheckbox}}{{> forms/widgets/checkbox.html}} <label for="{{field.id}}">{{field.label}}</label>
{{else}}<label for="{{field.id}}">{{field.label}}</label>
{{#if field.isTextarea}}{{> forms/widgets/textarea.html}}{{else if field.isSelect}}{{> forms/widgets/select.html}}{{else}}{{> forms/widgets/input.html}}{{/if}}
{{/if}}{{#if field.help}}<p class="helptext" id="{{field.helpId}}">{{field.help}}</p>
{{/if}}{{#if field.invalid}}<ul class="errorlist" id="{{field.errorsId}}">{{#each field.errors}}<li>{{this}}</li>{{/each}}</ul>
{{/if}}</div>`,

  'forms/widgets/attrs.html': ATTRS,

  'forms/widgets/input.html': '<input type="{{field.inputType}}"{{> forms/widgets/attrs.html}}{{#if field.hasValue}} value="{{field.value}}"{{/if}}{{#if field.multiple}} multiple{{/if}}>',

  'forms/widgets/checkbox.html': '<input type="checkbox"{{> forms/widgets/attrs.html}}{{#if field.checked}} checked{{/if}}>',

  // The newline after <textarea> is dropped by HTML parsers, so a value that starts with one keeps it.
  'forms/widgets/textarea.html': '<textarea{{> forms/widgets/attrs.html}}>\n{{field.value}}</textarea>',

  'forms/widgets/select.html':
    '<select{{> forms/widgets/attrs.html}}{{#if field.multiple}} multiple{{/if}}>{{#each field.choices}}<option value="{{value}}"{{#if selected}} selected{{/if}}>{{label}}</option>{{/each}}</select>',
};

/** Renders a template by name with a context: the engine's own render. */
export type RenderTemplate = (name: string, context: object) => string;

const isForm = (value: unknown): boolean => isObject(value) && Array.isArray(value.visibleFields) && Array.isArray(value.topErrors);
const isField = (value: unknown): boolean => isObject(value) && typeof value.htmlName === 'string' && typeof value.id === 'string';

/** `{{form}}` (the context's `form`, or `{{form other}}`) and `{{field form.title}}`. */
export function formHelpers(env: typeof Handlebars, render: RenderTemplate): Record<string, Helper> {
  return {
    form(this: unknown, ...args) {
      const { positional, options } = splitCall(args);
      const form = positional.length > 0 ? positional[0] : isObject(this) ? this.form : undefined;
      if (!isForm(form)) {
        throw new Error(
          positional.length > 0
            ? 'its argument is not a form from tsgate/forms'
            : "there is no form in the context: render(request, template, { form }), or name it: {{form signupForm}}",
        );
      }
      // The page's CSRF token, for {{csrf_input}} in forms/form.html.
      const root = isObject(options.data) && isObject(options.data.root) ? options.data.root : {};
      return new env.SafeString(render('forms/form.html', { form, csrfToken: root.csrfToken }));
    },

    field(...args) {
      const { positional } = splitCall(args);
      const [field, ...rest] = positional;
      if (!isField(field) || rest.length > 0) throw new Error('give one field of a form, e.g. {{field form.title}}');
      return new env.SafeString(render('forms/field.html', { field }));
    },
  };
}
