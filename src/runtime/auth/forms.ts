/** The forms of the accounts pages (tsgate/forms, valibot schemas). Password rules are checked by the views (validatePassword). */
import * as v from 'valibot';
import { defineForm } from '../forms/index.js';

const email = v.pipe(v.string(), v.trim(), v.nonEmpty('Enter your email address.'), v.maxLength(254, 'An email address has at most 254 characters.'));
const password = (message: string) => v.pipe(v.string(), v.nonEmpty(message));

export const LoginForm = defineForm({
  fields: {
    email: { schema: email, widget: 'email', label: 'Email', attrs: { autocomplete: 'username', autofocus: true, maxlength: 254 } },
    password: { schema: password('Enter your password.'), widget: 'password', label: 'Password', attrs: { autocomplete: 'current-password' } },
  },
});

const newPasswords = {
  new_password1: { schema: password('Enter a new password.'), widget: 'password', label: 'New password', attrs: { autocomplete: 'new-password' } },
  new_password2: { schema: password('Enter the new password again.'), widget: 'password', label: 'New password (again)', attrs: { autocomplete: 'new-password' } },
} as const;

const MISMATCH = "The two passwords don't match. Type the same password in both fields.";

export const SetPasswordForm = defineForm({
  fields: newPasswords,
  clean: (data, form) => {
    if (data.new_password1 !== data.new_password2) form.addError('new_password2', MISMATCH);
  },
});

export const PasswordChangeForm = defineForm({
  fields: {
    old_password: { schema: password('Enter your current password.'), widget: 'password', label: 'Current password', attrs: { autocomplete: 'current-password', autofocus: true } },
    ...newPasswords,
  },
  clean: (data, form) => {
    if (data.new_password1 !== data.new_password2) form.addError('new_password2', MISMATCH);
  },
});

export const PasswordResetForm = defineForm({
  fields: { email: { schema: email, widget: 'email', label: 'Email', attrs: { autocomplete: 'email', autofocus: true, maxlength: 254 } } },
});

/** Signup asks for the email only: the password is set on the page the confirmation link opens (signup.ts). */
export const SignupForm = defineForm({
  fields: { email: { schema: email, widget: 'email', label: 'Email', attrs: { autocomplete: 'email', autofocus: true, maxlength: 254 } } },
});
