/**
 * Every table of tsgate/auth, described for Kysely in one place, so that the
 * queries are typed and the descriptions can move to `model()` when models
 * land. The tables are made by `migrations/0001_initial.ts`.
 *
 * Portable types: booleans are written 1/0 and read with Boolean() (SQLite
 * binds no booleans); dates shown to people (last_login, date_joined) are
 * ISO-8601 text; machine times (session expiry, login failures) are epoch
 * milliseconds in a bigint, read with Number() (pg returns bigints as text).
 * `auth_session` is described beside the session engine that reads it
 * (middleware/session-db.ts: middleware cannot import auth), and re-exported here.
 */
import type { Generated } from '../db/kysely.js';
import type { SessionTable } from '../middleware/session-db.js';

export type { SessionTable };

/** `auth_user`: one row per account. `email` is unique and normalised (see users.ts). */
export interface UserTable {
  id: Generated<number>;
  email: string;
  /** The hash with its algorithm and parameters (`$argon2id$v=19$m=…`), or '' for no usable password. */
  password: string;
  is_active: number | boolean;
  is_staff: number | boolean;
  is_superuser: number | boolean;
  last_login: string | null;
  date_joined: string;
}

/** `auth_login_failure`: one row per failed login, by scope (`account:<email>` or `ip:<address>`), for throttling. */
export interface LoginFailureTable {
  id: Generated<number>;
  scope: string;
  at: number | string | bigint;
}

/** `auth_user_permission`: the permissions (`app.codename`) granted to a user; superusers have them all. */
export interface UserPermissionTable {
  id: Generated<number>;
  user_id: number;
  permission: string;
}

/** The tables by name, for `Kysely<AuthDatabase>`. */
export interface AuthDatabase {
  auth_user: UserTable;
  auth_session: SessionTable;
  auth_login_failure: LoginFailureTable;
  auth_user_permission: UserPermissionTable;
}
