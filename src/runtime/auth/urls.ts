/**
 * The accounts URLs, with Django's names, for `path('accounts/', include(authUrls))`:
 * login, logout, password_change, password_change_done, password_reset,
 * password_reset_done, password_reset_confirm, password_reset_complete, signup.
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
  signupView,
} from './views.js';

const FORM: ('GET' | 'POST')[] = ['GET', 'POST'];

export const authUrls: Route[] = [
  path('login/', loginView, { name: 'login', methods: FORM }),
  path('logout/', logoutView, { name: 'logout', methods: ['POST'] }),
  path('password_change/', passwordChangeView, { name: 'password_change', methods: FORM }),
  path('password_change/done/', passwordChangeDoneView, { name: 'password_change_done', methods: ['GET'] }),
  path('password_reset/', passwordResetView, { name: 'password_reset', methods: FORM }),
  path('password_reset/done/', passwordResetDoneView, { name: 'password_reset_done', methods: ['GET'] }),
  path('reset/<uidb64>/<token>/', passwordResetConfirmView, { name: 'password_reset_confirm', methods: FORM }),
  path('reset/done/', passwordResetCompleteView, { name: 'password_reset_complete', methods: ['GET'] }),
  path('signup/', signupView, { name: 'signup', methods: FORM }),
];
