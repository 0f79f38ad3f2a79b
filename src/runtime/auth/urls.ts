/**
 * The accounts URLs, with Django's names, for `path('accounts/', include(authUrls))`:
 * login, logout, password_change, password_change_done, password_reset,
 * password_reset_done, password_reset_confirm, password_reset_complete, signup,
 * signup_done, signup_confirm. The routes whose links carry a token mark it
 * sensitive: no log, error page, report or span shows it.
 */
import { path, type Route } from '../http/urls.js';
import {
  loginView,
  logoutView,
  passwordChangeDoneView,
  passwordChangeView,
  passwordResetCompleteView,
  passwordResetConfirmView,
  passwordResetDoneView,
  passwordResetView,
} from './views.js';
import { signupConfirmView, signupDoneView, signupView } from './signup.js';

const FORM: ('GET' | 'POST')[] = ['GET', 'POST'];

export const authUrls: Route[] = [
  path('login/', loginView, { name: 'login', methods: FORM }),
  path('logout/', logoutView, { name: 'logout', methods: ['POST'] }),
  path('password_change/', passwordChangeView, { name: 'password_change', methods: FORM }),
  path('password_change/done/', passwordChangeDoneView, { name: 'password_change_done', methods: ['GET'] }),
  path('password_reset/', passwordResetView, { name: 'password_reset', methods: FORM }),
  path('password_reset/done/', passwordResetDoneView, { name: 'password_reset_done', methods: ['GET'] }),
  path('reset/<uidb64>/<token>/', passwordResetConfirmView, { name: 'password_reset_confirm', methods: FORM, sensitive: ['token'] }),
  path('reset/done/', passwordResetCompleteView, { name: 'password_reset_complete', methods: ['GET'] }),
  path('signup/', signupView, { name: 'signup', methods: FORM }),
  path('signup/done/', signupDoneView, { name: 'signup_done', methods: ['GET'] }),
  // The address is not a credential, but it is personal data the access log has no need of.
  path('signup/confirm/<emailb64>/<token>/', signupConfirmView, { name: 'signup_confirm', methods: FORM, sensitive: ['emailb64', 'token'] }),
];
