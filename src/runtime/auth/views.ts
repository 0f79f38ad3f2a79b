/**
 * The accounts pages, with Django's URL names (urls.ts): login, logout
 * (POST only), password change, password reset (request → email → set
 * password); signup (AUTH_SIGNUP) is in signup.ts. Templates are in
 * `templates/registration/`; a project overrides one by having its own
 * `templates/registration/<name>.html`.
 */
import { settings } from '../conf/settings.js';
import type { Request } from '../http/request.js';
import { redirect, type HttpResponse } from '../http/response.js';
import { reverse } from '../http/urls.js';
import { render } from '../shortcuts.js';
import { loginRequired, safeRedirect } from './decorators.js';
import { LoginForm, PasswordChangeForm, PasswordResetForm, SetPasswordForm } from './forms.js';
import { authenticate, login, logout } from './login.js';
import { sendAccountMail } from './mail.js';
import { verifyPassword } from './passwords/hashers.js';
import { passwordHelp, validatePassword } from './passwords/validators.js';
import { checkResetToken, decodeUid, encodeUid, makeResetToken } from './tokens.js';
import { findUserByEmail, findUserById, setPassword, User } from './users.js';

/** The `next` to go to after login: from the form or the query, only when safe (decorators.ts). */
async function nextOf(request: Request): Promise<string | undefined> {
  const sent = request.method === 'POST' ? (await request.form()).get('next') : request.query.get('next');
  return safeRedirect(sent, request);
}

function help() {
  return passwordHelp(settings.AUTH_PASSWORD_MIN_LENGTH);
}

export async function loginView(request: Request): Promise<HttpResponse> {
  const next = await nextOf(request);
  if (request.method !== 'POST') return render(request, 'registration/login.html', { form: LoginForm.unbound(), next, signup: settings.AUTH_SIGNUP });
  const form = await LoginForm.bind(request);
  if (form.isValid()) {
    const result = await authenticate(form.cleanedData.email, form.cleanedData.password, request);
    if (result.user) {
      await login(request, result.user);
      return redirect(next ?? settings.LOGIN_REDIRECT_URL);
    }
    if (result.retryAfter !== undefined) {
      const minutes = Math.ceil(result.retryAfter / 60);
      form.addError(null, `Too many failed logins. Try again in ${minutes === 1 ? 'a minute' : `${minutes} minutes`}, or reset your password.`);
      const response = render(request, 'registration/login.html', { form, next, signup: settings.AUTH_SIGNUP }, 429);
      response.headers.push(['Retry-After', String(result.retryAfter)]);
      return response;
    }
    // The same words for an unknown email and a wrong password: the page tells nobody which accounts exist.
    form.addError(null, 'That email and password do not match an account. Both are case-sensitive past the @; check them and try again.');
  }
  return render(request, 'registration/login.html', { form, next, signup: settings.AUTH_SIGNUP }, 400);
}

/** POST only (a GET link could log anyone out from another site); CSRF-protected like every POST. */
export function logoutView(request: Request): HttpResponse {
  logout(request);
  return redirect(settings.LOGOUT_REDIRECT_URL);
}

function currentUser(request: Request): User {
  if (!(request.user instanceof User)) throw new Error('loginRequired lets only logged-in users here');
  return request.user;
}

export const passwordChangeView = loginRequired(async (request: Request): Promise<HttpResponse> => {
  const user = currentUser(request);
  if (request.method !== 'POST') return render(request, 'registration/password_change_form.html', { form: PasswordChangeForm.unbound(), help: help() });
  const form = await PasswordChangeForm.bind(request);
  if (form.isValid()) {
    // Read before addError(), which makes the form invalid and its cleanedData undefined.
    const data = form.cleanedData;
    const { valid } = await verifyPassword(data.old_password, user.password);
    if (!valid) form.addError('old_password', 'Your current password was entered incorrectly. Enter it again.');
    for (const problem of validatePassword(data.new_password1, { email: user.email, minLength: settings.AUTH_PASSWORD_MIN_LENGTH })) form.addError('new_password2', problem);
    if (form.errorCount === 0) {
      // The new hash changes the session hash: every other session of the user is logged out, this one is renewed.
      await login(request, await setPassword(user, data.new_password1));
      return redirect(reverse('password_change_done'));
    }
  }
  return render(request, 'registration/password_change_form.html', { form, help: help() }, 400);
});

export const passwordChangeDoneView = loginRequired((request: Request) => render(request, 'registration/password_change_done.html'));

/**
 * Sends a reset link when the email is an active account's; answers the
 * same whether it is or not, so the form tells nobody which emails have
 * accounts.
 */
export async function passwordResetView(request: Request): Promise<HttpResponse> {
  if (request.method !== 'POST') return render(request, 'registration/password_reset_form.html', { form: PasswordResetForm.unbound() });
  const form = await PasswordResetForm.bind(request);
  if (!form.isValid()) return render(request, 'registration/password_reset_form.html', { form }, 400);
  const user = await findUserByEmail(form.cleanedData.email);
  if (user && user.isActive) {
    const path = reverse('password_reset_confirm', { uidb64: encodeUid(user.id), token: makeResetToken(user) });
    const context = { email: user.email, link: `${request.scheme}://${request.host}${path}`, site: request.host, timeoutDays: Math.round(settings.PASSWORD_RESET_TIMEOUT / 86400) };
    // Not awaited: an answer that waited for SMTP only when the account exists would tell which emails have one (mail.ts).
    sendAccountMail('password reset', { to: user.email, template: 'registration/password_reset_email', context });
  }
  return redirect(reverse('password_reset_done'));
}

export const passwordResetDoneView = (request: Request) => render(request, 'registration/password_reset_done.html');

const RESET_SESSION_TOKEN = '_password_reset_token';
/** What the link's token is replaced by in the URL once it is in the session, so it never leaks in a Referer header (as Django). */
const SET_PASSWORD = 'set-password';

async function resetUser(uidb64: string): Promise<User | undefined> {
  const id = decodeUid(uidb64);
  const user = id === undefined ? undefined : await findUserById(id);
  return user?.isActive ? user : undefined;
}

export async function passwordResetConfirmView(request: Request, params: { uidb64: string; token: string }): Promise<HttpResponse> {
  const user = await resetUser(params.uidb64);
  const invalid = () => render(request, 'registration/password_reset_confirm.html', { validlink: false }, 400);
  if (!user) return invalid();
  if (params.token !== SET_PASSWORD) {
    if (!checkResetToken(user, params.token)) return invalid();
    request.session?.set(RESET_SESSION_TOKEN, params.token);
    return redirect(reverse('password_reset_confirm', { uidb64: params.uidb64, token: SET_PASSWORD }));
  }
  const token = request.session?.get<string>(RESET_SESSION_TOKEN);
  if (typeof token !== 'string' || !checkResetToken(user, token)) return invalid();
  if (request.method !== 'POST') return render(request, 'registration/password_reset_confirm.html', { validlink: true, form: SetPasswordForm.unbound(), help: help() });
  const form = await SetPasswordForm.bind(request);
  if (form.isValid()) {
    const password = form.cleanedData.new_password1;
    for (const problem of validatePassword(password, { email: user.email, minLength: settings.AUTH_PASSWORD_MIN_LENGTH })) form.addError('new_password2', problem);
    if (form.errorCount === 0) {
      // The new hash invalidates the token (single use) and every session of the user.
      await setPassword(user, password);
      request.session?.delete(RESET_SESSION_TOKEN);
      return redirect(reverse('password_reset_complete'));
    }
  }
  return render(request, 'registration/password_reset_confirm.html', { validlink: true, form, help: help() }, 400);
}

export const passwordResetCompleteView = (request: Request) => render(request, 'registration/password_reset_complete.html');
