/**
 * What auth.0001_initial (written by hand, with up() and down()) made, as
 * operations: the project state's auth_user, auth_session,
 * auth_login_failure and auth_user_permission, so makemigrations resolves a
 * project's foreign key to auth_user and finds auth's models (models.ts)
 * unchanged. Only read for the state, never run. It is a file of its own so
 * that 0001_initial.ts, and the checksum databases recorded when they
 * applied it, stay as they were. Like a migration, once released it is
 * left as it is: a change to the models is auth's next migration.
 */
import { op } from '../../db/migrations/operations/operations.js';
import { field } from '../../db/models/index.js';

export const operations = [
  op.createModel('auth_user', {
    id: field.id(),
    email: field.varchar(254, { unique: true }),
    password: field.varchar(256, { default: '' }),
    is_active: field.boolean({ default: true }),
    is_staff: field.boolean({ default: false }),
    is_superuser: field.boolean({ default: false }),
    last_login: field.varchar(32, { null: true }),
    date_joined: field.varchar(32),
  }),
  op.createModel('auth_session', {
    session_key: field.varchar(64, { primaryKey: true }),
    session_data: field.text(),
    expire_at: field.bigint({ index: true }),
    user: field.foreignKey('auth_user', { null: true, onDelete: 'cascade' }),
  }),
  op.createModel('auth_login_failure', {
    id: field.id(),
    scope: field.varchar(300),
    at: field.bigint(),
  }, { indexes: [['scope', 'at']] }),
  op.createModel('auth_user_permission', {
    id: field.id(),
    user: field.foreignKey('auth_user', { onDelete: 'cascade' }),
    permission: field.varchar(255),
  }, { unique: [['user', 'permission']] }),
];
