/**
 * `auth_session` as a model: the rows of the database session engine
 * (session-db.ts). Declared here, not in auth/, because middleware cannot
 * import auth (auth imports middleware); tsgate.auth's models module
 * re-exports it, so makemigrations counts it among auth's tables, which
 * auth.0001_initial makes.
 */
import { field, model, type Table } from '../db/models/index.js';

export const Session = model('auth_session', {
  /** SHA-256 (hex) of the key in the cookie. */
  session_key: field.varchar(64, { primaryKey: true }),
  /** The session's data as JSON. */
  session_data: field.text(),
  /** Epoch milliseconds (pg returns a bigint as text). */
  expire_at: field.bigint({ index: true }),
  /** The logged-in user, for "log out everywhere"; null for anonymous sessions. */
  user: field.foreignKey('auth_user', { null: true, onDelete: 'cascade' }),
});

/** `auth_session`'s row, for Kysely. */
export type SessionTable = Table<typeof Session>;
