/** The migration graph, plans, and the SQL capture of sqlmigrate, in-process. */
import { sql, type CompiledQuery } from 'kysely';
import { describe, expect, it } from 'vitest';
import { DatabaseError } from '../../src/runtime/db/errors.js';
import { captureQueries, createdTables, statementText } from '../../src/runtime/db/migrations/capture.js';
import { makePlan, type PlanStep, type Target } from '../../src/runtime/db/migrations/executor.js';
import { MigrationGraph } from '../../src/runtime/db/migrations/graph.js';
import type { AppliedMigration, Migration, MigrationFile } from '../../src/runtime/db/migrations/types.js';

function migration(key: string, module: Partial<Migration> = {}): MigrationFile {
  const [app = '', name = ''] = key.split('.');
  return { app, name, key, number: Number(name.slice(0, 4)), file: `/project/${app}/migrations/${name}.js`, checksum: `sum-${key}`, module: { up: async () => undefined, ...module } };
}

/**
 * users 0001–0003; blog 0001–0003, where blog.0002 needs users.0002;
 * shop 0001 needs blog.0001 and users.0001.
 */
function sample(): MigrationGraph {
  return new MigrationGraph(
    [
      migration('users.0001_initial'),
      migration('users.0002_email'),
      migration('users.0003_avatar'),
      migration('blog.0001_initial'),
      migration('blog.0002_author', { dependencies: [['users', '0002']] }),
      migration('blog.0003_tags'),
      migration('shop.0001_initial', { dependencies: [['blog', '0001_initial'], ['users', '0001_initial']] }),
    ],
    ['users', 'blog', 'shop', 'empty'],
  );
}

function applied(...keys: string[]): Map<string, AppliedMigration> {
  return new Map(keys.map((key) => {
    const [app = '', name = ''] = key.split('.');
    return [key, { app, name, checksum: `sum-${key}`, applied: '2026-01-01T00:00:00.000Z' }];
  }));
}

function plan(graph: MigrationGraph, done: Map<string, AppliedMigration>, target: Target): string[] {
  return makePlan(graph, done, target).map((step: PlanStep) => `${step.backwards ? '-' : '+'}${step.migration.key}`);
}

function errorOf(work: () => unknown): Error {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(DatabaseError);
    return error as Error;
  }
  throw new Error('no error');
}

describe('MigrationGraph', () => {
  it('orders dependencies first, else by INSTALLED_APPS and number', () => {
    expect(sample().order).toEqual([
      'users.0001_initial',
      'users.0002_email',
      'users.0003_avatar',
      'blog.0001_initial',
      'blog.0002_author',
      'blog.0003_tags',
      'shop.0001_initial',
    ]);
    // An earlier app that needs a later one's migration comes after it.
    const graph = new MigrationGraph([migration('a.0001_x', { dependencies: [['b', '0001']] }), migration('b.0001_y'), migration('b.0002_z')], ['a', 'b']);
    expect(graph.order).toEqual(['b.0001_y', 'a.0001_x', 'b.0002_z']);
  });

  it('resolves a migration by its full name or a unique prefix', () => {
    const graph = sample();
    expect(graph.resolve('blog', '0002_author').key).toBe('blog.0002_author');
    expect(graph.resolve('blog', '0002').key).toBe('blog.0002_author');
    expect(graph.resolve('blog', '0003_t').key).toBe('blog.0003_tags');
  });

  it('an ambiguous prefix, an unknown name and an unknown app are errors that say which', () => {
    const graph = sample();
    expect(errorOf(() => graph.resolve('users', '000')).message).toBe(
      "More than one migration in 'users' starts with '000' (0001_initial, 0002_email, 0003_avatar): give more of the name.",
    );
    expect(errorOf(() => graph.resolve('users', '0009')).message).toBe("Cannot find a migration matching '0009' in the app 'users' (the migration asked for).");
    expect(errorOf(() => graph.resolve('nope', '0001')).message).toBe("No installed app 'nope' (the migration asked for). INSTALLED_APPS: users, blog, shop, empty.");
    // A prefix of another app's migration does not count.
    expect(errorOf(() => graph.resolve('empty', '0001')).message).toContain("Cannot find a migration matching '0001' in the app 'empty'");
  });

  it('a dependency on a missing migration or app names the migration that has it', () => {
    const missing = errorOf(() => new MigrationGraph([migration('a.0001_x', { dependencies: [['b', '0007']] }), migration('b.0001_y')], ['a', 'b']));
    expect(missing.message).toBe("Cannot find a migration matching '0007' in the app 'b' (a dependency of a.0001_x).");
    const noApp = errorOf(() => new MigrationGraph([migration('a.0001_x', { dependencies: [['ghost', '0001']] })], ['a']));
    expect(noApp.message).toBe("No installed app 'ghost' (a dependency of a.0001_x). INSTALLED_APPS: a.");
  });

  it('a cycle is an error that names it', () => {
    const cycle = errorOf(
      () => new MigrationGraph([migration('a.0001_x', { dependencies: [['b', '0001']] }), migration('a.0002_y'), migration('b.0001_z', { dependencies: [['a', '0002']] })], ['a', 'b']),
    );
    expect(cycle.message).toBe(
      'The migrations depend on each other in a circle: a.0001_x → b.0001_z → a.0002_y → a.0001_x. Remove one of these dependencies.',
    );
    const self = errorOf(() => new MigrationGraph([migration('a.0001_x', { dependencies: [['a', '0001_x']] })], ['a']));
    expect(self.message).toContain('a.0001_x → a.0001_x');
  });

  it('two branches with one number are two leaves until a merge depends on both; a named parent in the app replaces the implied one', () => {
    const op = (table: string, name: string) => ({ type: 'addField' as const, table, name, field: { kind: 'integer' as const, null: true } });
    const create = { type: 'createModel' as const, table: 'blog_note', fields: { id: { kind: 'id' as const, primaryKey: true } }, options: {} };
    const base = [
      migration('blog.0001_initial', { operations: [create] }),
      migration('blog.0002_a', { operations: [op('blog_note', 'a')] }),
      migration('blog.0002_b', { operations: [op('blog_note', 'b')] }),
      // Written on branch a after 0002_a: it names its parent, so it is not taken to follow 0002_b too.
      migration('blog.0003_c', { dependencies: [['blog', '0002_a']], operations: [op('blog_note', 'c')] }),
    ];
    const branched = new MigrationGraph(base, ['blog']);
    expect(branched.leaves('blog').map((m) => m.name)).toEqual(['0002_b', '0003_c']);
    expect([...branched.conflicts().keys()]).toEqual(['blog']);
    expect(branched.branchSince('blog.0003_c', ['blog.0002_b']).map((m) => m.name)).toEqual(['0002_a', '0003_c']);
    expect(Object.keys(branched.projectState().model('blog_note', '').fields)).toEqual(['id', 'a', 'b', 'c']);
    const merged = new MigrationGraph([...base, migration('blog.0004_merge', { dependencies: [['blog', '0002_b'], ['blog', '0003_c']], operations: [] })], ['blog']);
    expect(merged.leaves('blog').map((m) => m.name)).toEqual(['0004_merge']);
    expect(merged.conflicts().size).toBe(0);
    expect(plan(merged, applied(), { kind: 'zero', app: 'blog' })).toEqual([]);
    expect(plan(merged, applied(), { kind: 'all' })).toEqual(['+blog.0001_initial', '+blog.0002_a', '+blog.0002_b', '+blog.0003_c', '+blog.0004_merge']);
    // Without a named parent, a migration follows every one numbered just below it.
    const implied = new MigrationGraph([...base.slice(0, 3), migration('blog.0003_d')], ['blog']);
    expect(implied.leaves('blog').map((m) => m.name)).toEqual(['0003_d']);
    // Naming an older migration of its app (as hand-written ones may) adds to the implied parent, never cuts it.
    const older = new MigrationGraph([base[0] as MigrationFile, migration('blog.0002_a'), migration('blog.0003_e', { dependencies: [['blog', '0001_initial']] })], ['blog']);
    expect(older.leaves('blog').map((m) => m.name)).toEqual(['0003_e']);
    expect(older.conflicts().size).toBe(0);
  });

  it('ofApp, ancestors and descendants', () => {
    const graph = sample();
    expect(graph.ofApp('blog').map((m) => m.key)).toEqual(['blog.0001_initial', 'blog.0002_author', 'blog.0003_tags']);
    expect(graph.ofApp('empty')).toEqual([]);
    expect(graph.ancestors('blog.0002_author')).toEqual(['users.0001_initial', 'users.0002_email', 'blog.0001_initial', 'blog.0002_author']);
    expect(graph.descendants('users.0002_email')).toEqual(['blog.0003_tags', 'blog.0002_author', 'users.0003_avatar', 'users.0002_email']);
  });
});

describe('makePlan', () => {
  const graph = sample();

  it('all: every unapplied migration, in order', () => {
    expect(plan(graph, applied(), { kind: 'all' })).toEqual(graph.order.map((key) => `+${key}`));
    expect(plan(graph, applied('users.0001_initial', 'blog.0001_initial'), { kind: 'all' })).toEqual([
      '+users.0002_email',
      '+users.0003_avatar',
      '+blog.0002_author',
      '+blog.0003_tags',
      '+shop.0001_initial',
    ]);
    expect(plan(graph, applied(...graph.order), { kind: 'all' })).toEqual([]);
  });

  it("latest: an app's migrations and what they need from other apps", () => {
    expect(plan(graph, applied(), { kind: 'latest', app: 'shop' })).toEqual(['+users.0001_initial', '+blog.0001_initial', '+shop.0001_initial']);
    expect(plan(graph, applied('users.0001_initial'), { kind: 'latest', app: 'blog' })).toEqual([
      '+users.0002_email',
      '+blog.0001_initial',
      '+blog.0002_author',
      '+blog.0003_tags',
    ]);
    expect(plan(graph, applied(), { kind: 'latest', app: 'empty' })).toEqual([]);
  });

  it('at, not yet applied: forwards to it', () => {
    expect(plan(graph, applied('users.0001_initial'), { kind: 'at', migration: graph.resolve('blog', '0002') })).toEqual([
      '+users.0002_email',
      '+blog.0001_initial',
      '+blog.0002_author',
    ]);
  });

  it('at, applied: backwards to it, dependants in other apps first, latest first; only what is applied', () => {
    const everything = applied(...graph.order);
    expect(plan(graph, everything, { kind: 'at', migration: graph.resolve('users', '0001') })).toEqual([
      '-blog.0003_tags',
      '-blog.0002_author',
      '-users.0003_avatar',
      '-users.0002_email',
    ]);
    expect(plan(graph, applied('users.0001_initial', 'users.0002_email'), { kind: 'at', migration: graph.resolve('users', '0001') })).toEqual(['-users.0002_email']);
    expect(plan(graph, everything, { kind: 'at', migration: graph.resolve('blog', '0003') })).toEqual([]);
  });

  it('zero: everything of the app and what needs it, applied ones only', () => {
    expect(plan(graph, applied(...graph.order), { kind: 'zero', app: 'blog' })).toEqual([
      '-shop.0001_initial',
      '-blog.0003_tags',
      '-blog.0002_author',
      '-blog.0001_initial',
    ]);
    // blog.0001 does not need users: it stays.
    expect(plan(graph, applied('users.0001_initial', 'blog.0001_initial'), { kind: 'zero', app: 'users' })).toEqual(['-users.0001_initial']);
    expect(plan(graph, applied(), { kind: 'zero', app: 'users' })).toEqual([]);
    expect(plan(graph, applied(), { kind: 'zero', app: 'empty' })).toEqual([]);
  });
});

describe('captureQueries', () => {
  it("compiles a migration's queries for each backend without a database", async () => {
    const work = async (db: Parameters<Parameters<typeof captureQueries>[1]>[0]) => {
      await db.schema.createTable('blog_post').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('title', 'varchar(200)').execute();
      await db.insertInto('blog_post').values({ id: 1, title: 'x' }).execute();
      // Reads see no rows.
      expect(await db.selectFrom('blog_post').selectAll().execute()).toEqual([]);
    };
    const sqlite = await captureQueries('sqlite', work);
    const postgres = await captureQueries('postgres', work);
    const mysql = await captureQueries('mysql', work);
    expect(sqlite.map((q) => q.sql)).toEqual([
      'create table "blog_post" ("id" integer primary key, "title" varchar(200))',
      'insert into "blog_post" ("id", "title") values (?, ?)',
      'select * from "blog_post"',
    ]);
    expect(postgres[1]?.sql).toBe('insert into "blog_post" ("id", "title") values ($1, $2)');
    expect(mysql[0]?.sql).toBe('create table `blog_post` (`id` integer primary key, `title` varchar(200))');
    expect(mysql[1]?.parameters).toEqual([1, 'x']);
  });
});

function compiled(text: string, parameters: unknown[]): CompiledQuery {
  return { sql: text, parameters, query: { kind: 'RawNode' } } as unknown as CompiledQuery;
}

describe('statementText', () => {
  it('writes ? and $n parameters in as literals, and ends the statement with ;', () => {
    const when = new Date('2026-03-04T05:06:07.000Z');
    expect(statementText(compiled('insert into t values (?, ?, ?, ?, ?, ?, ?)', ["it's", 42, null, true, false, when, 10n]))).toBe(
      "insert into t values ('it''s', 42, NULL, TRUE, FALSE, '2026-03-04T05:06:07.000Z', 10);",
    );
    expect(statementText(compiled('update t set a = $2 where b = $1  ', ['one', 'two']))).toBe("update t set a = 'two' where b = 'one';");
    const many = Array.from({ length: 11 }, (_, i) => i + 1);
    expect(statementText(compiled(`select ${many.map((n) => `$${n}`).join(', ')}`, many.map((n) => n * 100)))).toBe(`select ${many.map((n) => n * 100).join(', ')};`);
  });

  it('leaves a ? or $1 inside a quoted string or name alone', async () => {
    for (const backend of ['sqlite', 'postgres', 'mysql'] as const) {
      const [create] = await captureQueries(backend, (db) => db.schema.createTable('t').addColumn('q', 'varchar(20)', (c) => c.defaultTo('Why?')).execute());
      expect(statementText(create as CompiledQuery), backend).toContain("default 'Why?');");
    }
    expect(statementText(compiled("select 'costs $1?' as a, $1 as b", [7]))).toBe("select 'costs $1?' as a, 7 as b;");
    expect(statementText(compiled('select "what?" from t where a = ?', [1]))).toBe('select "what?" from t where a = 1;');
    expect(statementText(compiled("select '$1', `a?` from t where a = ?", [1]))).toBe("select '$1', `a?` from t where a = 1;");
  });

  it("on PostgreSQL, a ? is an operator, not a parameter", async () => {
    const [query] = await captureQueries('postgres', async (db) => {
      await sql`select data ? 'key' as has from t where id = ${5}`.execute(db);
    });
    expect(statementText(query as CompiledQuery)).toBe("select data ? 'key' as has from t where id = 5;");
  });
});

describe('createdTables', () => {
  it("finds the tables a migration creates, from Kysely's createTable in each dialect or raw SQL, once each", async () => {
    for (const backend of ['sqlite', 'postgres', 'mysql'] as const) {
      const queries = await captureQueries(backend, async (db) => {
        await db.schema.createTable('blog_post').addColumn('id', 'integer').execute();
        await db.schema.createTable('blog_tag').ifNotExists().addColumn('id', 'integer').execute();
        await db.schema.createIndex('blog_post_id').on('blog_post').column('id').execute();
        await db.schema.alterTable('blog_post').addColumn('x', 'integer').execute();
        await sql`CREATE TABLE IF NOT EXISTS "blog_raw" (id integer)`.execute(db);
        await sql`create table public.blog_schema (id integer)`.execute(db);
        await db.schema.createTable('blog_post').ifNotExists().addColumn('id', 'integer').execute();
      });
      expect(createdTables(queries), backend).toEqual(['blog_post', 'blog_tag', 'blog_raw', 'blog_schema']);
    }
  });

  it('a migration that creates no table creates none', async () => {
    expect(createdTables(await captureQueries('sqlite', (db) => db.schema.alterTable('t').addColumn('x', 'integer').execute()))).toEqual([]);
  });
});
