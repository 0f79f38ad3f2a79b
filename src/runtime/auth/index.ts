/**
 * tsgate/auth: users, login and sessions that can be revoked, as
 * django.contrib.auth. Install it with `'tsgate.auth'` in INSTALLED_APPS
 * (its migration makes the tables), `authenticationMiddleware` after
 * `sessionMiddleware` in MIDDLEWARE, and `path('accounts/', include(authUrls))`.
 */
export { authenticationMiddleware } from './middleware.js';
export { loginRequired, permissionRequired, redirectToLogin, safeRedirect, staffRequired } from './decorators.js';
export { authenticate, login, logout, logoutEverywhere, sessionHash, type AuthenticateResult } from './login.js';
export {
  ANONYMOUS,
  AnonymousUser,
  createSuperuser,
  createUser,
  findUserByEmail,
  findUserById,
  grantPermission,
  hasPermission,
  normalizeEmail,
  setPassword,
  User,
  UserError,
  type NewUser,
} from './users.js';
export { ARGON2_PARAMETERS, dummyVerify, hashPassword, isUsable, unusablePassword, verifyPassword, type Verified } from './passwords/hashers.js';
export { commonPasswords, MAX_PASSWORD_LENGTH, passwordHelp, validatePassword, type ValidationContext } from './passwords/validators.js';
export { DatabaseLoginThrottle, RateLimitLoginThrottle, loginThrottle, setLoginThrottle, type LoginThrottle, type ThrottleScope } from './throttle.js';
export { checkResetToken, checkSignupToken, decodeEmail, decodeUid, encodeEmail, encodeUid, makeResetToken, makeSignupToken } from './tokens.js';
export { accountMailSettled, sendAccountMail } from './mail.js';
export { LoginForm, PasswordChangeForm, PasswordResetForm, SetPasswordForm, SignupForm } from './forms.js';
export { authUrls } from './urls.js';
export * from './views.js';
export { signupConfirmView, signupDoneView, signupView } from './signup.js';
export type { AuthDatabase, LoginFailureTable, SessionTable, UserPermissionTable, UserTable } from './tables.js';
