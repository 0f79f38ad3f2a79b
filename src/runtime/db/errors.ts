/** A database that cannot be reached or used; the message names the setting and the host, never the password. */
export class DatabaseError extends Error {
  override name = 'DatabaseError';
}
