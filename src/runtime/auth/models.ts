/**
 * tsgate.auth's tables as models: declared once, here. makemigrations reads
 * them (so a project's `field.foreignKey('auth_user')` resolves, and its
 * migration depends on auth.0001_initial), and tables.ts derives the
 * `Database` type auth's queries use from them.
 *
 * The tables are made by the hand-written migrations/0001_initial.ts
 * (applied by projects before models existed, so its file, and checksum,
 * stay as they are); migrations/0001_initial.state.ts says, as operations,
 * what it made. Portable types: booleans are written 1/0 and read with
 * Boolean() (SQLite binds no booleans); dates shown to people (last_login,
 * date_joined) are ISO-8601 text; machine times are epoch milliseconds in a
 * bigint, read with Number() (pg returns bigints as text).
 */
import { field, model } from '../db/models/index.js';

export { Session } from '../middleware/session-model.js';

/** `auth_user`: one row per account. `email` is unique and normalised (see users.ts). */
export const User = model('auth_user', {
  id: field.id(),
  email: field.varchar(254, { unique: true }),
  /** The hash with its algorithm and parameters (`$argon2id$v=19$m=…`), or '' for no usable password. */
  password: field.varchar(256, { default: '' }),
  is_active: field.boolean({ default: true }),
  is_staff: field.boolean({ default: false }),
  is_superuser: field.boolean({ default: false }),
  last_login: field.varchar(32, { null: true }),
  date_joined: field.varchar(32),
});

/** `auth_login_failure`: one row per failed login, by scope (`account:<email>` or `ip:<address>`), for throttling. */
export const LoginFailure = model(
  'auth_login_failure',
  {
    id: field.id(),
    scope: field.varchar(300),
    at: field.bigint(),
  },
  { indexes: [['scope', 'at']] },
);

/** `auth_user_permission`: the permissions (`app.codename`) granted to a user; superusers have them all. */
export const UserPermission = model(
  'auth_user_permission',
  {
    id: field.id(),
    user: field.foreignKey('auth_user', { onDelete: 'cascade' }),
    permission: field.varchar(255),
  },
  { unique: [['user', 'permission']] },
);
