/**
 * `manage dbshell [-- ARGS]`, after Django's: runs the database's own
 * client — psql, mariadb (or mysql), sqlite3 — connected as DATABASES says,
 * with ARGS passed on to it. The password never goes on the command line
 * (where `ps` shows it) nor to the screen: psql reads it from PGPASSWORD,
 * the MySQL/MariaDB client from an option file only this user can read,
 * deleted when the client exits.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { configure } from '../../conf/settings.js';
import type { ServerTarget, SqliteTarget } from '../../conf/database-url.js';
import { closeConnections, getConnection } from '../../db/connections.js';
import { sqlitePath } from '../../db/dialects.js';
import { CommandError, stringOption, type Command } from '../base.js';
import { DATABASE_OPTION } from '../database.js';

/** A client to run: the program (the first of `programs` found on PATH), its arguments, and what it adds to the environment. */
export interface ClientCommand {
  programs: string[];
  args: string[];
  env: Record<string, string>;
  /** Files written for the client (a MySQL option file), as `[path, content]`; removed once it exits. */
  files: [string, string][];
  /** What installs the client on Debian and Ubuntu, for the message when it is missing. */
  debianPackage: string;
}

/**
 * psql's connection options, ARGS, then the database, as Django orders
 * them. libpq's sslmode is the URL's own, passed on as PGSSLMODE (the
 * driver's options do not tell verify-ca from verify-full).
 */
export function postgresClient(target: ServerTarget, sslmode: string | undefined, extra: readonly string[]): ClientCommand {
  const env: Record<string, string> = {};
  if (target.password !== undefined) env.PGPASSWORD = target.password;
  if (sslmode) env.PGSSLMODE = sslmode;
  return {
    programs: ['psql'],
    args: ['-U', target.user, '-h', target.host, '-p', String(target.port), ...extra, target.database],
    env,
    files: [],
    debianPackage: 'postgresql-client',
  };
}

/** A value in a MySQL option file: double-quoted, with `\` and `"` escaped (the file format reads them back). */
function optionValue(text: string): string {
  return `"${text.replace(/[\\"]/g, (char) => `\\${char}`).replace(/\n/g, '\\n')}"`;
}

/**
 * `--defaults-extra-file` must come first; the password is in that file.
 * TLS as the URL asks, in the flags of MariaDB's client (the one Debian
 * ships, also as `mysql`); without sslmode, the client's default.
 */
export function mysqlClient(target: ServerTarget, optionFile: string, extra: readonly string[]): ClientCommand {
  const lines = ['[client]'];
  if (target.password !== undefined) lines.push(`password=${optionValue(target.password)}`);
  const tls = target.ssl === false ? [] : target.ssl.rejectUnauthorized ? ['--ssl', '--ssl-verify-server-cert'] : ['--ssl'];
  return {
    programs: ['mariadb', 'mysql'],
    args: [`--defaults-extra-file=${optionFile}`, `--user=${target.user}`, `--host=${target.host}`, `--port=${target.port}`, ...tls, target.database, ...extra],
    env: {},
    files: [[optionFile, `${lines.join('\n')}\n`]],
    debianPackage: 'mariadb-client',
  };
}

/** The database file, then ARGS (SQL or dot-commands). */
export function sqliteClient(target: SqliteTarget, baseDir: string, extra: readonly string[]): ClientCommand {
  return { programs: ['sqlite3'], args: [sqlitePath(target, baseDir), ...extra], env: {}, files: [], debianPackage: 'sqlite3' };
}

/** The first of `programs` that is an executable file on PATH. */
export function findProgram(programs: readonly string[], path = process.env.PATH ?? ''): string | undefined {
  for (const program of programs) {
    for (const dir of path.split(delimiter).filter(Boolean)) {
      try {
        accessSync(join(dir, program), constants.X_OK);
        return join(dir, program);
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/** Runs the client on this terminal and resolves with its exit code; Ctrl-C is the client's (it cancels a query), not ours. */
function runClient(program: string, client: ClientCommand): Promise<number> {
  const ignoreInterrupt = (): void => undefined;
  process.on('SIGINT', ignoreInterrupt);
  return new Promise<number>((resolve, reject) => {
    const child = spawn(program, client.args, { stdio: 'inherit', env: { ...process.env, ...client.env } });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  }).finally(() => process.off('SIGINT', ignoreInterrupt));
}

const command: Command = {
  help: "Runs the database's command-line client (psql, mariadb or mysql, sqlite3) connected as DATABASES says; arguments after -- go to the client.",
  args: '[-- ARGS]',
  options: { ...DATABASE_OPTION },
  async handle(args) {
    const settings = await configure();
    const alias = stringOption(args, 'database') ?? 'default';
    const { target } = getConnection(alias); // an unknown alias is a DatabaseError naming the ones there are
    await closeConnections(); // nothing was opened; the client makes its own connection
    const url = settings.DATABASES[alias]?.URL ?? '';
    const extra = args.positionals;
    const scratch = target.backend === 'mysql' ? mkdtempSync(join(tmpdir(), 'tsgate-dbshell-')) : undefined;
    try {
      const client =
        target.backend === 'sqlite'
          ? sqliteClient(target, settings.BASE_DIR ?? process.cwd(), extra)
          : target.backend === 'postgres'
            ? postgresClient(target, new URL(url).searchParams.get('sslmode') ?? undefined, extra)
            : mysqlClient(target, join(scratch as string, 'client.cnf'), extra);
      const program = findProgram(client.programs);
      if (!program) {
        throw new CommandError(
          `dbshell needs the '${client.programs.join("' or '")}' program, which is not installed or not on PATH. On Debian or Ubuntu: apt-get install ${client.debianPackage}`,
        );
      }
      for (const [file, content] of client.files) writeFileSync(file, content, { mode: 0o600 });
      return await runClient(program, client);
    } finally {
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    }
  },
};

export default command;
