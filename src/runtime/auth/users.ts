/**
 * Users: the `auth_user` row as a User object, the anonymous user, email
 * normalisation, and the queries the rest of tsgate/auth makes. A project
 * that needs more about its users keeps them in a table of its own with a
 * `user_id` column (the documented pattern, see README.md), as Django's
 * "profile model".
 */
import { connection } from '../db/index.js';
import type { Kysely, Selectable } from '../db/kysely.js';
import type { RequestUser } from '../http/request.js';
import { hashPassword, isUsable, unusablePassword } from './passwords/hashers.js';
import type { AuthDatabase, UserTable } from './tables.js';

/** The auth tables on the default database. */
export function authDb(): Kysely<AuthDatabase> {
  return connection() as unknown as Kysely<AuthDatabase>;
}

/** A logged-in (or loaded) user. */
export class User implements RequestUser {
  readonly isAuthenticated = true;
  readonly isAnonymous = false;
  readonly id: number;
  readonly email: string;
  /** The stored hash; never shown (toJSON leaves it out). */
  readonly password: string;
  readonly isActive: boolean;
  readonly isStaff: boolean;
  readonly isSuperuser: boolean;
  readonly lastLogin: Date | null;
  readonly dateJoined: Date;

  constructor(row: Selectable<UserTable>) {
    this.id = Number(row.id);
    this.email = row.email;
    this.password = row.password;
    this.isActive = Boolean(row.is_active);
    this.isStaff = Boolean(row.is_staff);
    this.isSuperuser = Boolean(row.is_superuser);
    this.lastLogin = row.last_login ? new Date(row.last_login) : null;
    this.dateJoined = new Date(row.date_joined);
  }

  get hasUsablePassword(): boolean {
    return isUsable(this.password);
  }

  /** What a template or a log may show: everything but the hash. */
  toJSON(): Record<string, unknown> {
    return { id: this.id, email: this.email, isActive: this.isActive, isStaff: this.isStaff, isSuperuser: this.isSuperuser, lastLogin: this.lastLogin, dateJoined: this.dateJoined };
  }

  toString(): string {
    return this.email;
  }
}

/** `request.user` when nobody is logged in (Django's AnonymousUser). */
export class AnonymousUser implements RequestUser {
  readonly isAuthenticated = false;
  readonly isAnonymous = true;
  readonly id = undefined;
  readonly email = '';
  readonly isActive = false;
  readonly isStaff = false;
  readonly isSuperuser = false;
  toString(): string {
    return 'AnonymousUser';
  }
}

export const ANONYMOUS: AnonymousUser = Object.freeze(new AnonymousUser());

/** A user's problem a command or form can show as it is. */
export class UserError extends Error {
  override name = 'UserError';
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * An email as stored and looked up: trimmed, the domain lower-cased (the
 * part before @ is case-sensitive by the standard, so it is kept; lookups
 * also compare it case-insensitively, see findUserByEmail). Undefined
 * when it is not an address.
 */
export function normalizeEmail(email: string): string | undefined {
  const trimmed = email.trim().normalize('NFC');
  if (trimmed.length > 254 || !EMAIL.test(trimmed)) return undefined;
  const at = trimmed.lastIndexOf('@');
  return `${trimmed.slice(0, at)}@${trimmed.slice(at + 1).toLowerCase()}`;
}

function now(): string {
  return new Date().toISOString();
}

export async function findUserById(id: number): Promise<User | undefined> {
  const row = await authDb().selectFrom('auth_user').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? new User(row) : undefined;
}

/** The user with this email; the local part compared case-insensitively, so Ann@x and ann@x are one account. */
export async function findUserByEmail(email: string): Promise<User | undefined> {
  const normal = normalizeEmail(email);
  if (!normal) return undefined;
  const row = await authDb()
    .selectFrom('auth_user')
    .selectAll()
    .where((eb) => eb(eb.fn('lower', ['email']), '=', normal.toLowerCase()))
    .executeTakeFirst();
  return row ? new User(row) : undefined;
}

export interface NewUser {
  email: string;
  /** The password in clear; hashed here. Without one the user has an unusable password (a reset sets one). */
  password?: string;
  isStaff?: boolean;
  isSuperuser?: boolean;
  isActive?: boolean;
}

/** Makes a user; an email that is not an address or is taken is a UserError. Validate the password first (validatePassword). */
export async function createUser(user: NewUser): Promise<User> {
  const email = normalizeEmail(user.email);
  if (!email) throw new UserError(`${JSON.stringify(user.email.slice(0, 100))} is not an email address. Enter one like name@example.com.`);
  if (await findUserByEmail(email)) throw new UserError(`A user with the email ${email} exists already.`);
  const password = user.password === undefined ? unusablePassword() : await hashPassword(user.password);
  await authDb()
    .insertInto('auth_user')
    .values({
      email,
      password,
      is_active: user.isActive === false ? 0 : 1,
      is_staff: user.isStaff ? 1 : 0,
      is_superuser: user.isSuperuser ? 1 : 0,
      last_login: null,
      date_joined: now(),
    })
    .execute();
  const made = await findUserByEmail(email);
  if (!made) throw new UserError(`The user ${email} was not saved.`);
  return made;
}

/** createUser with is_staff and is_superuser. */
export function createSuperuser(user: NewUser): Promise<User> {
  return createUser({ ...user, isStaff: true, isSuperuser: true });
}

/** Stores a new hash of `password` (validate it first). Other sessions of the user stop working (their session hash no longer matches). */
export async function setPassword(user: User, password: string): Promise<User> {
  await authDb().updateTable('auth_user').set({ password: await hashPassword(password) }).where('id', '=', user.id).execute();
  return (await findUserById(user.id)) ?? user;
}

/** Replaces the stored hash as is (a re-hash with current parameters at login). */
export async function storeHash(userId: number, encoded: string): Promise<void> {
  await authDb().updateTable('auth_user').set({ password: encoded }).where('id', '=', userId).execute();
}

export async function touchLastLogin(userId: number): Promise<void> {
  await authDb().updateTable('auth_user').set({ last_login: now() }).where('id', '=', userId).execute();
}

/** Whether the user has `permission` (`app.codename`): an active superuser has every one, an inactive user none. */
export async function hasPermission(user: RequestUser, permission: string): Promise<boolean> {
  if (!user.isAuthenticated || !user.isActive || user.id === undefined) return false;
  if (user.isSuperuser) return true;
  const row = await authDb().selectFrom('auth_user_permission').select('id').where('user_id', '=', user.id).where('permission', '=', permission).executeTakeFirst();
  return row !== undefined;
}

/** Grants `permission` to a user (idempotent). */
export async function grantPermission(user: User, permission: string): Promise<void> {
  if (await hasPermission({ ...user, isSuperuser: false }, permission)) return;
  await authDb().insertInto('auth_user_permission').values({ user_id: user.id, permission }).execute();
}
