/**
 * db://alias: the `tsgate_cache` table of a database in DATABASES (made by
 * `manage migrate` with 'tsgate.cache' installed), shared by every worker
 * and replica with no other service to run, as Rails' Solid Cache.
 *
 * Counters are atomic on each backend: one UPDATE … RETURNING or INSERT …
 * ON CONFLICT … RETURNING statement on PostgreSQL and SQLite; on MySQL and
 * MariaDB (no RETURNING on UPDATE) a transaction that locks the row.
 * Expired rows are read as absent and deleted now and then by writes.
 */
import { getConnection } from '../db/connections.js';
import { sql, type Kysely, type RawBuilder } from '../db/kysely.js';
import type { Backend } from '../db/url.js';
import type { CacheBackend, Expiry } from './backend.js';
import { CacheError } from './errors.js';
import { integerOf } from './locmem.js';

export const CACHE_TABLE = 'tsgate_cache';
/** The expiry stored for "never" (year 9999): the column is not nullable, so every read compares one way. */
const NEVER = 253_402_300_799_999;
/** One write in this many also deletes the expired rows. */
const CULL_EVERY = 100;

type Db = Kysely<unknown>;

export class DatabaseBackend implements CacheBackend {
  readonly label: string;
  private writes = 0;

  constructor(private readonly alias: string) {
    this.label = `db://${alias}`;
  }

  private get db(): Db {
    return getConnection<unknown>(this.alias).db;
  }

  private get backend(): Backend {
    return getConnection<unknown>(this.alias).target.backend;
  }

  private async run<T>(query: RawBuilder<T>, db: Db = this.db): Promise<{ rows: T[]; affected: number }> {
    const result = await query.execute(db);
    return { rows: result.rows, affected: Number(result.numAffectedRows ?? 0) };
  }

  /** Now and then, deletes what has expired, so the table does not only grow. */
  private async wrote(): Promise<void> {
    this.writes += 1;
    if (this.writes % CULL_EVERY === 0) await this.run(sql`delete from tsgate_cache where expires <= ${Date.now()}`);
  }

  async get(key: string): Promise<string | undefined> {
    const { rows } = await this.run(sql<{ value: string }>`select value from tsgate_cache where cache_key = ${key} and expires > ${Date.now()}`);
    return rows[0]?.value;
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    if (keys.length === 0) return [];
    const { rows } = await this.run(
      sql<{ cache_key: string; value: string }>`select cache_key, value from tsgate_cache where cache_key in (${sql.join([...keys])}) and expires > ${Date.now()}`,
    );
    const found = new Map(rows.map((row) => [row.cache_key, row.value]));
    return keys.map((key) => found.get(key));
  }

  private upsert(key: string, value: string, expires: Expiry): RawBuilder<unknown> {
    const until = expires ?? NEVER;
    if (this.backend === 'mysql') {
      return sql`insert into tsgate_cache (cache_key, value, expires) values (${key}, ${value}, ${until}) on duplicate key update value = values(value), expires = values(expires)`;
    }
    return sql`insert into tsgate_cache (cache_key, value, expires) values (${key}, ${value}, ${until}) on conflict (cache_key) do update set value = excluded.value, expires = excluded.expires`;
  }

  async set(key: string, value: string, expires: Expiry): Promise<void> {
    await this.run(this.upsert(key, value, expires));
    await this.wrote();
  }

  async setMany(entries: readonly (readonly [string, string])[], expires: Expiry): Promise<void> {
    if (entries.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const [key, value] of entries) await this.run(this.upsert(key, value, expires), trx);
    });
    await this.wrote();
  }

  async add(key: string, value: string, expires: Expiry): Promise<boolean> {
    const now = Date.now();
    // An expired row is as good as none; two adds racing here still insert once.
    await this.run(sql`delete from tsgate_cache where cache_key = ${key} and expires <= ${now}`);
    const until = expires ?? NEVER;
    const insert =
      this.backend === 'mysql'
        ? sql`insert ignore into tsgate_cache (cache_key, value, expires) values (${key}, ${value}, ${until})`
        : sql`insert into tsgate_cache (cache_key, value, expires) values (${key}, ${value}, ${until}) on conflict (cache_key) do nothing`;
    const { affected } = await this.run(insert);
    await this.wrote();
    return affected > 0;
  }

  async delete(key: string): Promise<boolean> {
    const { affected } = await this.run(sql`delete from tsgate_cache where cache_key = ${key}`);
    return affected > 0;
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    if (keys.length > 0) await this.run(sql`delete from tsgate_cache where cache_key in (${sql.join([...keys])})`);
  }

  async incr(key: string, delta: number): Promise<number | undefined> {
    const now = Date.now();
    if (this.backend === 'mysql') {
      return this.db.transaction().execute(async (trx) => {
        const { rows } = await this.run(sql<{ value: string }>`select value from tsgate_cache where cache_key = ${key} and expires > ${now} for update`, trx);
        const row = rows[0];
        if (row === undefined) return undefined;
        const value = integerOf(row.value, key) + delta;
        await this.run(sql`update tsgate_cache set value = ${String(value)} where cache_key = ${key}`, trx);
        return value;
      });
    }
    const isInteger = this.backend === 'postgres' ? sql`value ~ '^-?[0-9]+$'` : sql`cast(cast(value as integer) as text) = value`;
    const sum = this.backend === 'postgres' ? sql`cast(cast(value as bigint) + ${delta} as text)` : sql`cast(cast(value as integer) + cast(${delta} as integer) as text)`;
    const { rows } = await this.run(
      sql<{ value: string }>`update tsgate_cache set value = ${sum} where cache_key = ${key} and expires > ${now} and ${isInteger} returning value`,
    );
    const row = rows[0];
    if (row !== undefined) return Number(row.value);
    const held = await this.get(key);
    if (held !== undefined) integerOf(held, key);
    return undefined;
  }

  async count(key: string, delta: number, expires: number): Promise<number> {
    const now = Date.now();
    const start = String(delta);
    let value: string | undefined;
    if (this.backend === 'mysql') {
      value = await this.db.transaction().execute(async (trx) => {
        // The assignments run left to right: `value`'s test still sees the old expiry.
        await this.run(
          sql`insert into tsgate_cache (cache_key, value, expires) values (${key}, ${start}, ${expires})
              on duplicate key update value = if(expires <= ${now}, values(value), cast(cast(value as signed) + ${delta} as char)),
              expires = if(expires <= ${now}, values(expires), expires)`,
          trx,
        );
        const { rows } = await this.run(sql<{ value: string }>`select value from tsgate_cache where cache_key = ${key}`, trx);
        return rows[0]?.value;
      });
    } else {
      const sum = this.backend === 'postgres' ? sql`cast(cast(tsgate_cache.value as bigint) + ${delta} as text)` : sql`cast(cast(tsgate_cache.value as integer) + cast(${delta} as integer) as text)`;
      const { rows } = await this.run(
        sql<{ value: string }>`insert into tsgate_cache (cache_key, value, expires) values (${key}, ${start}, ${expires})
            on conflict (cache_key) do update set
              value = case when tsgate_cache.expires <= ${now} then excluded.value else ${sum} end,
              expires = case when tsgate_cache.expires <= ${now} then excluded.expires else tsgate_cache.expires end
            returning value`,
      );
      value = rows[0]?.value;
    }
    await this.wrote();
    if (value === undefined) throw new CacheError(`counting '${key}' in ${this.label} returned no row`);
    return Number(value);
  }

  async clear(prefix: string): Promise<void> {
    await this.run(sql`delete from tsgate_cache where substr(cache_key, 1, ${prefix.length}) = ${prefix}`);
  }
}
