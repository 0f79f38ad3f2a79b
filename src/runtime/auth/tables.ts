/**
 * tsgate/auth's tables for Kysely, derived from their models (models.ts):
 * no interface written twice. `auth_session`'s model lives beside the
 * session engine that reads it (middleware/session-model.ts: middleware
 * cannot import auth) and is re-exported by models.ts.
 */
import type { Table, Tables } from '../db/models/index.js';
import type { SessionTable } from '../middleware/session-db.js';
import type { LoginFailure, Session, User, UserPermission } from './models.js';

export type { SessionTable };

/** `auth_user`: one row per account. */
export type UserTable = Table<typeof User>;

/** `auth_login_failure`: one row per failed login, for throttling. */
export type LoginFailureTable = Table<typeof LoginFailure>;

/** `auth_user_permission`: the permissions granted to a user. */
export type UserPermissionTable = Table<typeof UserPermission>;

/** The tables by name, for `Kysely<AuthDatabase>`. */
export type AuthDatabase = Tables<[typeof User, typeof Session, typeof LoginFailure, typeof UserPermission]>;
