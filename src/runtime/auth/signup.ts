/**
 * Signup (AUTH_SIGNUP), made so that it tells nobody which emails have
 * accounts, as the reset form:
 *
 * 1. `signup/` asks for an email and always answers "check your email"
 *    (`signup_done`). A new address gets a confirmation link; an address
 *    with an account gets an email saying someone tried to sign up with
 *    it, with links to log in and to reset the password. Both are sent
 *    off the request path (mail.ts), so the answer takes the same time.
 * 2. The link (`signup/confirm/<emailb64>/<token>/`, signed and expiring
 *    after PASSWORD_RESET_TIMEOUT: tokens.ts) puts its token in the
 *    session and redirects to `…/set-password/`, so the token leaves the
 *    URL (and the Referer); the route marks both values sensitive, so no
 *    log shows them.
 * 3. The password set there (the validators as everywhere) makes the
 *    account, which is then logged in. The account exists only once its
 *    address is proven, and the link is dead from then on (an address with
 *    an account is refused).
 */
import { settings } from '../conf/settings.js';
import { Http404 } from '../http/exceptions.js';
import type { Request } from '../http/request.js';
import { redirect, type HttpResponse } from '../http/response.js';
import { reverse } from '../http/urls.js';
import { render } from '../shortcuts.js';
import { SetPasswordForm, SignupForm } from './forms.js';
import { login } from './login.js';
import { sendAccountMail } from './mail.js';
import { passwordHelp, validatePassword } from './passwords/validators.js';
import { checkSignupToken, decodeEmail, encodeEmail, makeSignupToken } from './tokens.js';
import { createUser, findUserByEmail, normalizeEmail, UserError } from './users.js';

const SIGNUP_SESSION_TOKEN = '_signup_token';
/** What the link's token is replaced by once it is in the session (as the reset link's). */
const SET_PASSWORD = 'set-password';

function open(): void {
  if (!settings.AUTH_SIGNUP) throw new Http404('Signing up is not open on this site.');
}

function origin(request: Request): string {
  return `${request.scheme}://${request.host}`;
}

/** Asks for an email; sends the confirmation link, or the "you have an account" email; answers the same for both. */
export async function signupView(request: Request): Promise<HttpResponse> {
  open();
  if (request.method !== 'POST') return render(request, 'registration/signup.html', { form: SignupForm.unbound() });
  const form = await SignupForm.bind(request);
  const email = form.isValid() ? normalizeEmail(form.cleanedData.email) : undefined;
  if (form.isValid() && email === undefined) form.addError('email', 'Enter an email address like name@example.com.');
  if (email === undefined) return render(request, 'registration/signup.html', { form }, 400);
  const existing = await findUserByEmail(email);
  const site = request.host;
  if (!existing) {
    const path = reverse('signup_confirm', { emailb64: encodeEmail(email), token: makeSignupToken(email) });
    const context = { email, link: origin(request) + path, site, timeoutDays: Math.round(settings.PASSWORD_RESET_TIMEOUT / 86400) };
    sendAccountMail('signup confirmation', { to: email, template: 'registration/signup_email', context });
  } else if (existing.isActive) {
    // The owner learns of the attempt (and how to get in); the visitor learns nothing the other branch would not tell.
    const context = { email: existing.email, login: origin(request) + reverse('login'), reset: origin(request) + reverse('password_reset'), site };
    sendAccountMail('signup of an existing email', { to: existing.email, template: 'registration/signup_existing_email', context });
  }
  return redirect(reverse('signup_done'));
}

export function signupDoneView(request: Request): HttpResponse {
  open();
  return render(request, 'registration/signup_done.html');
}

/** The confirmation link: its token into the session, then the page that sets the password and makes the account. */
export async function signupConfirmView(request: Request, params: { emailb64: string; token: string }): Promise<HttpResponse> {
  open();
  const email = decodeEmail(params.emailb64);
  const invalid = () => render(request, 'registration/signup_confirm.html', { validlink: false }, 400);
  // An address that has an account by now: the link was used (or someone signed up another way).
  if (email === undefined || normalizeEmail(email) !== email || (await findUserByEmail(email))) return invalid();
  if (params.token !== SET_PASSWORD) {
    if (!checkSignupToken(email, params.token)) return invalid();
    request.session?.set(SIGNUP_SESSION_TOKEN, params.token);
    return redirect(reverse('signup_confirm', { emailb64: params.emailb64, token: SET_PASSWORD }));
  }
  const token = request.session?.get<string>(SIGNUP_SESSION_TOKEN);
  if (typeof token !== 'string' || !checkSignupToken(email, token)) return invalid();
  const help = passwordHelp(settings.AUTH_PASSWORD_MIN_LENGTH);
  if (request.method !== 'POST') return render(request, 'registration/signup_confirm.html', { validlink: true, email, form: SetPasswordForm.unbound(), help });
  const form = await SetPasswordForm.bind(request);
  if (form.isValid()) {
    const password = form.cleanedData.new_password1;
    for (const problem of validatePassword(password, { email, minLength: settings.AUTH_PASSWORD_MIN_LENGTH })) form.addError('new_password2', problem);
    if (form.errorCount === 0) {
      try {
        const user = await createUser({ email, password });
        request.session?.delete(SIGNUP_SESSION_TOKEN);
        await login(request, user);
        return redirect(settings.LOGIN_REDIRECT_URL);
      } catch (error) {
        // Two tabs on one link: the second finds the account made.
        if (error instanceof UserError) return invalid();
        throw error;
      }
    }
  }
  return render(request, 'registration/signup_confirm.html', { validlink: true, email, form, help }, 400);
}
