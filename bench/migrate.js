// @ts-check
/**
 * Issue 6, the migrate benchmark: on each backend (SQLite, PostgreSQL,
 * MariaDB/MySQL), a fresh database and a small project whose one app has
 * 100 generated migrations (each creates a table and inserts a row), then
 *
 * - `node manage.mjs migrate --noinput` applying all 100 (wall time of the
 *   one cold run, and per migration: wall ÷ 100, and the marginal cost,
 *   (cold − no-op) ÷ 100, which leaves out process start and loading);
 * - the same `migrate` again with nothing to do, median of 5 runs, wall time
 *   from spawn to exit (node's start-up included, as a deploy waits for it):
 *   bar ≤ 0.5 s on SQLite; the servers are held to it informationally;
 * - `showmigrations`, median of 5, informational;
 * - the baseline `node -e ""`, median of 5 at the start, and once before
 *   each no-op run (interleaved, so that drift in machine load hits both
 *   alike): the no-op's overhead over node's start is the median of the
 *   paired differences.
 *
 * Beside each wall time, the CPU time (user + system) the child used, from
 * /proc/self/stat (cutime + cstime, which count reaped children; Linux
 * only, 10 ms resolution): it is what the command costs when the machine is
 * busy and wall times stretch.
 *
 * The project is the one the db tests use (test/db/project.ts): a
 * package.json, a manage.mjs over the built runtime (build/tsgate/dist),
 * settings.mjs, and migrations as plain .js files with no imports; no npm
 * install. Server databases are made with `pg` / `mysql2` through an admin
 * URL (TSGATE_TEST_POSTGRES_URL, TSGATE_TEST_MYSQL_URL as for the tests)
 * and dropped afterwards. A server that cannot be reached is recorded as
 * skipped, with the reason; the others still run.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { writeManageProject } from './lib/manage-project.js';
import { loadAverageNow, machine, markdownTable, reportHeader, round, textTable } from './lib/report.js';

export const name = 'migrate';
export const description =
  'migrate applying 100 generated small migrations, and migrate with nothing to do (wall incl. node start, median of 5), on SQLite, PostgreSQL and MariaDB';

const MIGRATIONS = 100;
const RUNS = 5;
const BAR_SECONDS = 0.5;
const APP = 'bench';
const POSTGRES_ADMIN_URL = process.env.TSGATE_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';
const MYSQL_ADMIN_URL = process.env.TSGATE_TEST_MYSQL_URL || 'mysql://root@127.0.0.1:3306/test';

/** @typedef {'sqlite' | 'postgres' | 'mysql'} BackendName */

/**
 * @typedef {object} Timing  wall seconds from spawn to exit, and CPU seconds (user + system) of the child
 * @property {number[]} samplesSeconds
 * @property {number} medianSeconds
 * @property {number} minSeconds
 * @property {number} maxSeconds
 * @property {number[] | null} cpuSamplesSeconds  null where /proc is not available
 * @property {number | null} cpuMedianSeconds
 *
 * @typedef {object} ColdRun
 * @property {number} seconds          wall time of the run that applied every migration
 * @property {number | null} cpuSeconds  its CPU time (user + system)
 * @property {number} perMigrationMs   seconds ÷ migrations
 * @property {number} marginalPerMigrationMs  (seconds − no-op median) ÷ migrations: without process start and loading
 * @property {number} applied          `Applying … OK` lines printed
 * @property {number} recorded         rows of the app in tsgate_migrations afterwards
 * @property {number} lastTableRows    rows in the last migration's table afterwards (1)
 *
 * @typedef {object} MeasuredBackend
 * @property {'measured'} status
 * @property {BackendName} backend
 * @property {string} label
 * @property {string} server           server version, or the SQLite library's
 * @property {string} database         URL without credentials
 * @property {ColdRun} cold
 * @property {Timing} noop             `migrate --noinput` with nothing to do
 * @property {Timing} nodeStart        `node -e ""`, one run before each no-op run
 * @property {number} noopOverNodeStartSeconds  median over the runs of (no-op − the `node -e ""` just before it)
 * @property {Timing} showmigrations
 * @property {number | null} barSeconds  the bar (SQLite), null where it is informational
 * @property {boolean} withinBar       no-op median ≤ 0.5 s (informational where barSeconds is null)
 * @property {boolean} pass            every migration applied and recorded, and (SQLite) within the bar
 *
 * @typedef {object} UnmeasuredBackend
 * @property {'skipped' | 'error'} status  skipped: the server could not be reached; error: it was, but the run failed
 * @property {BackendName} backend
 * @property {string} label
 * @property {string} reason
 * @property {boolean} pass            true when skipped (a missing server is not a failure), false on error
 *
 * @typedef {MeasuredBackend | UnmeasuredBackend} BackendResult
 *
 * @typedef {object} MigrateResult
 * @property {string} name
 * @property {string} description
 * @property {string} date
 * @property {string} node
 * @property {string} platform
 * @property {number} cpuCount
 * @property {string} cpuModel
 * @property {number[]} loadAverage
 * @property {number[]} loadAverageEnd
 * @property {{ migrations: number, runs: number, migration: string, command: string }} params
 * @property {Timing} nodeStart        `node -e ""`
 * @property {BackendResult[]} backends
 * @property {number} bar              seconds, the no-op on SQLite
 * @property {boolean} pass            SQLite measured and within the bar; no backend failed
 */

/** @param {number[]} values */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** @param {{ seconds: number, cpuSeconds: number | null }[]} runs @returns {Timing} */
function timing(runs) {
  const samples = runs.map((r) => r.seconds);
  const cpu = runs.map((r) => r.cpuSeconds);
  const cpuKnown = cpu.every((c) => c !== null);
  return {
    samplesSeconds: samples.map((s) => round(s, 4)),
    medianSeconds: round(median(samples), 4),
    minSeconds: round(Math.min(...samples), 4),
    maxSeconds: round(Math.max(...samples), 4),
    cpuSamplesSeconds: cpuKnown ? cpu.map((c) => round(c ?? 0, 2)) : null,
    cpuMedianSeconds: cpuKnown ? round(median(cpu.map((c) => c ?? 0)), 2) : null,
  };
}

/**
 * CPU seconds (user + system) used so far by this process's reaped
 * children, from /proc/self/stat (cutime, cstime; USER_HZ = 100);
 * undefined where /proc is not available.
 */
function childrenCpuSeconds() {
  if (process.platform !== 'linux') return undefined;
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the parenthesised command name: state(3) ppid(4) … utime(14) stime(15) cutime(16) cstime(17).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return undefined;
  }
}

/** Our environment less npm's and NODE_OPTIONS, plus `extra`. @param {Record<string, string>} extra */
function childEnv(extra) {
  /** @type {Record<string, string>} */
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    const lower = key.toLowerCase();
    if (value === undefined || lower.startsWith('npm_') || lower === 'init_cwd' || key === 'NODE_OPTIONS' || key === 'TSGATE_TEST_DATABASES') continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/**
 * Runs `node ARGS` to completion; its wall time in seconds and its output.
 * Throws if it fails.
 *
 * @param {string[]} args
 * @param {string} cwd
 * @param {Record<string, string>} env
 */
function node(args, cwd, env = {}) {
  const cpuBefore = childrenCpuSeconds();
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { cwd, env: childEnv(env), encoding: 'utf8', timeout: 300_000 });
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = childrenCpuSeconds();
  const cpuSeconds = cpuBefore === undefined || cpuAfter === undefined ? null : cpuAfter - cpuBefore;
  if (result.status !== 0) {
    throw new Error(`node ${args.join(' ')} (in ${cwd}) failed (${result.status ?? result.signal ?? result.error?.message}):\n${result.stdout ?? ''}${result.stderr ?? ''}`);
  }
  return { seconds, cpuSeconds, stdout: result.stdout };
}

/** `once` run `RUNS` times. @param {() => { seconds: number, cpuSeconds: number | null }} once */
const repeated = (once) => timing(Array.from({ length: RUNS }, once));

/** The 4-digit number of migration `i` (1-based). @param {number} i */
const pad = (i) => String(i).padStart(4, '0');

/** @param {number} i */
function migrationSource(i) {
  const table = `${APP}_t${pad(i)}`;
  return `export async function up(db) {
  await db.schema.createTable('${table}').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('name', 'varchar(50)').execute();
  await db.insertInto('${table}').values({ id: 1, name: 'x' }).execute();
}
export async function down(db) {
  await db.schema.dropTable('${table}').execute();
}
`;
}

/** Writes the project into `dir`: package.json, manage.mjs, settings.mjs and the migrations. @param {string} dir */
function writeProject(dir) {
  writeManageProject(
    dir,
    `import { fileURLToPath } from 'node:url';
export const BASE_DIR = fileURLToPath(new URL('.', import.meta.url));
export const DEBUG = true;
export const INSTALLED_APPS = [${JSON.stringify(APP)}];
export const ROOT_URLCONF = 'urls';
export const WSGI_APPLICATION = 'wsgi:application';
export const DATABASES = { default: { URL: process.env.DATABASE_URL } };
`,
  );
  const folder = join(dir, APP, 'migrations');
  mkdirSync(folder, { recursive: true });
  for (let i = 1; i <= MIGRATIONS; i++) writeFileSync(join(folder, `${pad(i)}_m${pad(i)}.js`), migrationSource(i));
}

/** The URL with its database (path) replaced. @param {string} url @param {string} database */
function withDatabase(url, database) {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.href;
}

/** The URL without user or password, for the report. @param {string} url */
function redacted(url) {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  return parsed.href;
}

/** @param {unknown} error */
const messageOf = (error) =>
  error instanceof Error ? error.message || /** @type {NodeJS.ErrnoException} */ (error).code || error.name : String(error);

/**
 * A database to migrate: its URL, a way to query it directly, and to drop it.
 *
 * @typedef {object} Target
 * @property {string} url
 * @property {string} server
 * @property {(statement: string) => Promise<Record<string, unknown>[]>} query
 * @property {() => Promise<void>} drop
 */

/**
 * One statement on a server through the admin URL, or on the database `database` there.
 *
 * @param {'postgres' | 'mysql'} backend
 * @param {string} statement
 * @param {string} [database]
 * @returns {Promise<Record<string, unknown>[]>}
 */
async function serverQuery(backend, statement, database) {
  if (backend === 'postgres') {
    const url = database ? withDatabase(POSTGRES_ADMIN_URL, database) : POSTGRES_ADMIN_URL;
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query(statement)).rows;
    } finally {
      await client.end();
    }
  }
  const url = database ? withDatabase(MYSQL_ADMIN_URL, database) : MYSQL_ADMIN_URL;
  const connection = await mysql.createConnection({ uri: url, connectTimeout: 5000 });
  try {
    const [rows] = await connection.query(statement);
    return /** @type {Record<string, unknown>[]} */ (rows);
  } finally {
    await connection.end();
  }
}

/**
 * A fresh database on `backend`: a new SQLite file in `dir`, or a randomly
 * named database on the server. Throws `Unreachable` when the server cannot
 * be used.
 *
 * @param {BackendName} backend
 * @param {string} dir
 * @returns {Promise<Target>}
 */
async function freshDatabase(backend, dir) {
  if (backend === 'sqlite') {
    const file = join(dir, 'db.sqlite3');
    return {
      url: 'sqlite:///db.sqlite3',
      server: `SQLite ${new Database(':memory:').prepare('select sqlite_version() as v').pluck().get()} (better-sqlite3)`,
      async query(statement) {
        const db = new Database(file, { readonly: true, fileMustExist: true });
        try {
          return /** @type {Record<string, unknown>[]} */ (db.prepare(statement).all());
        } finally {
          db.close();
        }
      },
      async drop() {},
    };
  }
  let version;
  try {
    version = String((await serverQuery(backend, 'select version() as v'))[0]?.v ?? '?');
  } catch (error) {
    const admin = backend === 'postgres' ? POSTGRES_ADMIN_URL : MYSQL_ADMIN_URL;
    throw new Unreachable(`${backend} at ${new URL(admin).host} is not usable (${messageOf(error)})`);
  }
  const database = `tsgate_bench_${randomBytes(6).toString('hex')}`;
  await serverQuery(backend, `create database ${database}`);
  const admin = backend === 'postgres' ? POSTGRES_ADMIN_URL : MYSQL_ADMIN_URL;
  return {
    url: withDatabase(admin, database),
    server: backend === 'postgres' ? (version.split(' on ')[0] ?? version) : `MySQL/MariaDB ${version}`,
    query: (statement) => serverQuery(backend, statement, database),
    drop: async () => {
      await serverQuery(backend, `drop database if exists ${database}`);
    },
  };
}

class Unreachable extends Error {}

const LABELS = /** @type {const} */ ({ sqlite: 'SQLite', postgres: 'PostgreSQL', mysql: 'MariaDB/MySQL' });

/**
 * @param {BackendName} backend
 * @param {string | undefined} cpuProf
 * @returns {Promise<BackendResult>}
 */
async function measureBackend(backend, cpuProf) {
  const label = LABELS[backend];
  const dir = mkdtempSync(join(tmpdir(), `tsgate-bench-migrate-${backend}-`));
  /** @type {Target | undefined} */
  let target;
  try {
    writeProject(dir);
    try {
      target = await freshDatabase(backend, dir);
    } catch (error) {
      if (error instanceof Unreachable) {
        process.stderr.write(`  ${backend}: skipped: ${error.message}\n`);
        return { status: 'skipped', backend, label, reason: error.message, pass: true };
      }
      throw error;
    }
    const env = { TSGATE_SETTINGS_MODULE: 'settings', DATABASE_URL: target.url };
    process.stderr.write(`  ${backend} (${target.server}): `);
    node(['manage.mjs', 'help'], dir, env); // unmeasured: the runtime's files into the disk cache

    const cold = node(['manage.mjs', 'migrate', '--noinput'], dir, env);
    const applied = [...cold.stdout.matchAll(/^ {2}Applying \S+\.\.\. ?OK$/gm)].length;
    const recorded = Number((await target.query(`select count(*) as n from tsgate_migrations where app = '${APP}'`))[0]?.n);
    const lastTableRows = Number((await target.query(`select count(*) as n from ${APP}_t${pad(MIGRATIONS)}`))[0]?.n);
    process.stderr.write(`cold ${round(cold.seconds, 2)} s (${applied} applied, ${recorded} recorded), `);

    const pairs = Array.from({ length: RUNS }, () => {
      const base = node(['-e', ''], dir);
      const run = node(['manage.mjs', 'migrate', '--noinput'], dir, env);
      if (!/No migrations to apply/.test(run.stdout)) throw new Error(`migrate with nothing to do said:\n${run.stdout}`);
      return { base, run };
    });
    const noop = timing(pairs.map((p) => p.run));
    process.stderr.write(`no-op median ${noop.medianSeconds} s, `);
    const showmigrations = repeated(() => {
      const run = node(['manage.mjs', 'showmigrations'], dir, env);
      const checked = [...run.stdout.matchAll(/^ \[X\] /gm)].length;
      if (checked !== MIGRATIONS) throw new Error(`showmigrations listed ${checked} applied migrations, not ${MIGRATIONS}:\n${run.stdout}`);
      return run;
    });
    process.stderr.write(`showmigrations median ${showmigrations.medianSeconds} s\n`);
    if (cpuProf) {
      const profDir = join(cpuProf, `migrate-${backend}`);
      node(['--cpu-prof', `--cpu-prof-dir=${profDir}`, 'manage.mjs', 'migrate', '--noinput'], dir, env);
      process.stderr.write(`    CPU profile of a no-op run: ${profDir}\n`);
    }

    const barSeconds = backend === 'sqlite' ? BAR_SECONDS : null;
    const withinBar = noop.medianSeconds <= BAR_SECONDS;
    const complete = applied === MIGRATIONS && recorded === MIGRATIONS && lastTableRows === 1;
    return {
      status: 'measured',
      backend,
      label,
      server: target.server,
      database: backend === 'sqlite' ? target.url : redacted(target.url),
      cold: {
        seconds: round(cold.seconds, 4),
        cpuSeconds: cold.cpuSeconds === null ? null : round(cold.cpuSeconds, 2),
        perMigrationMs: round((cold.seconds * 1000) / MIGRATIONS, 2),
        marginalPerMigrationMs: round(((cold.seconds - noop.medianSeconds) * 1000) / MIGRATIONS, 2),
        applied,
        recorded,
        lastTableRows,
      },
      noop,
      nodeStart: timing(pairs.map((p) => p.base)),
      noopOverNodeStartSeconds: round(median(pairs.map((p) => p.run.seconds - p.base.seconds)), 4),
      showmigrations,
      barSeconds,
      withinBar,
      pass: complete && (barSeconds === null || withinBar),
    };
  } catch (error) {
    process.stderr.write(`\n  ${backend}: failed: ${messageOf(error)}\n`);
    return { status: 'error', backend, label, reason: messageOf(error), pass: false };
  } finally {
    try {
      await target?.drop();
    } catch (error) {
      process.stderr.write(`  ${backend}: could not drop the benchmark database: ${messageOf(error)}\n`);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * @param {import('./lib/harness.js').BenchOptions} options
 * @returns {Promise<MigrateResult>}
 */
export async function run(options) {
  const loadAverage = loadAverageNow();
  process.stderr.write('  node -e "": ');
  node(['-e', ''], tmpdir()); // unmeasured
  const nodeStart = repeated(() => node(['-e', ''], tmpdir()));
  process.stderr.write(`median ${nodeStart.medianSeconds} s\n`);

  /** @type {BackendResult[]} */
  const backends = [];
  for (const backend of /** @type {const} */ (['sqlite', 'postgres', 'mysql'])) {
    backends.push(await measureBackend(backend, options.cpuProf));
  }
  const sqlite = backends.find((b) => b.backend === 'sqlite');
  return {
    name,
    description,
    ...machine(),
    loadAverage,
    loadAverageEnd: loadAverageNow(),
    params: {
      migrations: MIGRATIONS,
      runs: RUNS,
      migration: 'create table bench_tNNNN (id integer primary key, name varchar(50)) and insert one row; down drops it',
      command: 'node manage.mjs migrate --noinput',
    },
    nodeStart,
    backends,
    bar: BAR_SECONDS,
    pass: sqlite?.status === 'measured' && backends.every((b) => b.pass),
  };
}

const HEAD = [
  'backend',
  'apply 100: wall s (CPU s)',
  'ms/migration',
  'marginal ms/migration',
  'no-op migrate: median wall s (min–max)',
  'no-op CPU s',
  'no-op − node start s (paired)',
  'showmigrations median s (CPU s)',
  'bar (no-op ≤ 0.5 s)',
];

/** @param {number | null} cpu */
const cpuCell = (cpu) => (cpu === null ? 'n/a' : cpu);

/** Every migration applied, recorded, and its table written. @param {MeasuredBackend} b */
const complete = (b) => b.cold.applied === MIGRATIONS && b.cold.recorded === MIGRATIONS && b.cold.lastTableRows === 1;

/** @param {MigrateResult} result */
function rows(result) {
  return result.backends.map((b) => {
    if (b.status !== 'measured') return [b.label, b.status, '', '', '', '', '', '', b.status === 'skipped' ? 'skipped' : 'FAIL'];
    const bar = b.barSeconds === null ? `informational: ${b.withinBar ? 'within' : 'over'}` : b.withinBar ? 'PASS' : 'FAIL';
    const incomplete = complete(b) ? '' : ` (applied ${b.cold.applied}, recorded ${b.cold.recorded}: FAIL)`;
    return [
      b.label,
      `${b.cold.seconds} (${cpuCell(b.cold.cpuSeconds)})${incomplete}`,
      b.cold.perMigrationMs,
      b.cold.marginalPerMigrationMs,
      `${b.noop.medianSeconds} (${b.noop.minSeconds}–${b.noop.maxSeconds})`,
      cpuCell(b.noop.cpuMedianSeconds),
      b.noopOverNodeStartSeconds,
      `${b.showmigrations.medianSeconds} (${cpuCell(b.showmigrations.cpuMedianSeconds)})`,
      bar,
    ];
  });
}

/** @param {MigrateResult} result */
function verdict(result) {
  const sqlite = result.backends.find((b) => b.backend === 'sqlite');
  const noop = sqlite?.status === 'measured' ? `${sqlite.noop.medianSeconds} s wall, ${cpuCell(sqlite.noop.cpuMedianSeconds)} s CPU` : 'not measured';
  const problems = result.backends.flatMap((b) => {
    if (b.status !== 'measured') return [`${b.label} ${b.status}`];
    return complete(b) ? [] : [`${b.label}: ${b.cold.applied} applied, ${b.cold.recorded} recorded of ${MIGRATIONS}`];
  });
  const node = `node start ${result.nodeStart.medianSeconds} s wall, ${cpuCell(result.nodeStart.cpuMedianSeconds)} s CPU`;
  return `no-op migrate on SQLite ${noop} (bar ≤ ${result.bar} s wall; ${node}): ${result.pass ? 'PASS' : 'FAIL'}${problems.length ? ` (${problems.join('; ')})` : ''}`;
}

/** A warning when the machine was busy enough to stretch wall times. @param {MigrateResult} result */
function busy(result) {
  const load = Math.max(result.loadAverage[0] ?? 0, result.loadAverageEnd[0] ?? 0);
  return load > result.cpuCount / 2
    ? `Note: the load average reached ${load} on ${result.cpuCount} CPUs during this run, so wall times may be stretched by other work: read them against the CPU times (user + system of the child), which are less affected, and against the \`node -e ""\` runs interleaved with the no-op runs.`
    : '';
}

/** @param {MigrateResult} result */
function notes(result) {
  return result.backends
    .filter((b) => b.status !== 'measured')
    .map((b) => `- ${b.label} ${b.status}: ${b.reason.trim().split('\n')[0]}`)
    .join('\n');
}

/** @param {MigrateResult} result */
export function summary(result) {
  const extra = notes(result);
  const note = busy(result);
  return `node -e "" median ${result.nodeStart.medianSeconds} s wall, ${cpuCell(result.nodeStart.cpuMedianSeconds)} s CPU\n\n${textTable(HEAD, rows(result))}\n\n${verdict(result)}${extra ? `\n${extra}` : ''}${note ? `\n${note}` : ''}`;
}

/** @param {MigrateResult} result */
export function markdown(result) {
  const measured = /** @type {MeasuredBackend[]} */ (result.backends.filter((b) => b.status === 'measured'));
  const servers = measured.map((b) => `- ${b.label}: ${b.server}, \`DATABASE_URL=${b.database}\``).join('\n');
  const samples = measured
    .map(
      (b) =>
        `- ${b.label}: no-op wall ${b.noop.samplesSeconds.join(', ')} (CPU ${b.noop.cpuSamplesSeconds?.join(', ') ?? 'n/a'}); ` +
        `node -e "" before each ${b.nodeStart.samplesSeconds.join(', ')} (CPU ${b.nodeStart.cpuSamplesSeconds?.join(', ') ?? 'n/a'}); ` +
        `showmigrations wall ${b.showmigrations.samplesSeconds.join(', ')} (CPU ${b.showmigrations.cpuSamplesSeconds?.join(', ') ?? 'n/a'})`,
    )
    .join('\n');
  const failures = result.backends
    .filter((b) => b.status !== 'measured')
    .map((b) => `${b.label} ${b.status}:\n\n\`\`\`\n${b.reason.trim()}\n\`\`\``)
    .join('\n\n');
  const note = busy(result);
  return `# ${result.name}

${result.description}.

**${verdict(result)}** — the bar (docs/architecture.md): \`migrate\` with nothing to do ≤ ${result.bar} s on SQLite, process start included; PostgreSQL and MariaDB are shown against the same bar, informationally.

${reportHeader(result)}
- a temporary project (package.json, manage.mjs over build/tsgate/dist, settings.mjs) with one app and ${result.params.migrations} migrations, plain .js files, each: ${result.params.migration}
- a fresh database per backend (a new SQLite file; a randomly named database on each server, dropped afterwards)
- \`${result.params.command}\` applying all ${result.params.migrations}: one cold run (after an unmeasured \`manage.mjs help\` to warm the disk cache), wall time from spawn to exit, and in brackets the child's CPU time (user + system, from /proc/self/stat cutime + cstime, 10 ms resolution); ms/migration = wall ÷ ${result.params.migrations}; marginal = (wall − no-op median) ÷ ${result.params.migrations}, i.e. without process start and loading; checked: ${result.params.migrations} \`Applying … OK\` lines, ${result.params.migrations} rows in tsgate_migrations, the last table has its row
- then the same command with nothing to do, and \`showmigrations\` (checked: ${result.params.migrations} \`[X]\`), median of ${result.params.runs} runs each, wall time from spawn to exit; before each no-op run a \`node -e ""\`, and "no-op − node start" is the median of the ${result.params.runs} paired differences
- baseline \`node -e ""\`: median ${result.nodeStart.medianSeconds} s wall (${result.nodeStart.minSeconds}–${result.nodeStart.maxSeconds}), ${cpuCell(result.nodeStart.cpuMedianSeconds)} s CPU, over ${result.params.runs} runs
${servers}

${markdownTable(HEAD, rows(result))}
${note ? `\n${note}\n` : ''}
Samples (s):
${samples}
${failures ? `\n${failures}\n` : ''}`;
}
