/**
 * The database URL as db/ uses it. The parser is conf's (the settings checks
 * use it too, and conf sits below db/); db/ adds how a target is named in
 * messages. Messages never carry the password: `redactUrl()` is what they show.
 */
import type { DatabaseTarget } from '../conf/database-url.js';

export { DatabaseUrlError, parseDatabaseUrl, type Backend, type DatabaseTarget, type ServerTarget, type SqliteTarget } from '../conf/database-url.js';
export { redactUrl } from '../logging/index.js';

/** Where a target lives, for messages: `postgres://app@db:5432/site`, never the password. */
export function describeTarget(target: DatabaseTarget): string {
  if (target.backend === 'sqlite') return `sqlite:///${target.filename}`;
  return `${target.backend}://${target.user}@${target.host}:${target.port}/${target.database}`;
}
