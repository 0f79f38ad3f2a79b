/**
 * The example app's input rules, written once with valibot and used twice:
 * by the welcome page's HTML form and by the /api/hello JSON endpoint.
 * A name is required, trimmed, and at most 100 characters.
 */
import { defineForm } from 'tsgate/forms';
import * as v from 'valibot';

export const name = v.pipe(
  v.string('Give the name as text.'),
  v.trim(),
  v.nonEmpty('Please enter your name.'),
  v.maxLength(100, 'Use at most 100 characters.'),
);

/** The welcome page's form: rendered with {{form}}, bound with NameForm.bind(request). */
export const NameForm = defineForm({
  fields: {
    name: { schema: name, label: 'Your name', attrs: { maxlength: 100, autocomplete: 'name' } },
  },
});

/** The body of POST /api/hello, or the query of GET /api/hello?name=… (a missing name is an empty one). */
export const HelloRequest = v.object({ name: v.optional(name, '') });
