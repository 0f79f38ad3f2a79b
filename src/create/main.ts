/**
 * create-tsgate-project, top to bottom: settle the choices (flags, prompts,
 * defaults) and the folder, render the template in memory, then — unless
 * --dry-run — write it with the runtime and the template lock into a staging
 * folder, install, init git, move into place, print the next steps.
 */
import { randomBytes } from 'node:crypto';
import fs from 'fs-extra';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { database } from './database.js';
import { CreateError } from './errors.js';
import { enclosingRepository, initGit, installArgs, installDependencies, stopRunningCommand, type CommandOutput, type GitResult } from './install.js';
import { lockFile } from './lock.js';
import { validateProjectName } from './name.js';
import type { CreateOptions } from './options.js';
import type { Output } from './output.js';
import { detectPackageManager, packageManager } from './package-manager.js';
import { generatorVersion, projectTemplate, runtimeTarball } from './paths.js';
import { renderProject } from './project.js';
import { settleChoices } from './prompt.js';
import { writeFiles } from './render.js';
import { box, commandLines, fileTree } from './report.js';
import { inspectTarget, Staging } from './staging.js';

/** A Django-style secret for development only; it goes to the git-ignored .env. */
function developmentSecret(): string {
  return `dev-${randomBytes(48).toString('base64url')}`;
}

/**
 * Turns Ctrl-C (or TERM) into an abort: the running install is stopped and
 * the build goes no further, so `create` can remove the staging folder.
 */
function abortOnSignal(controller: AbortController): () => void {
  const handler = (signal: NodeJS.Signals) => {
    controller.abort(new Interrupted(signal));
    void stopRunningCommand();
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

class Interrupted extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
}

export async function create(options: CreateOptions, out: Output): Promise<number> {
  const choices = await settleChoices(options, detectPackageManager().name);
  const dir = resolve(choices.target);
  const name = validateProjectName(basename(dir));
  const where = await inspectTarget(dir, options.force);
  const runtime = runtimeTarball();
  const pm = packageManager(choices.pm);
  const rendered = await renderProject(projectTemplate(), name, choices, runtime.name, developmentSecret());
  const lock = lockFile(rendered, {
    generator: `create-tsgate-project@${generatorVersion()}`,
    runtime: runtime.name,
    choices: { name, database: choices.database, ...(choices.services.length > 0 ? { services: choices.services } : {}), example: choices.example, auth: choices.auth, pm: choices.pm },
  });
  const files = [...rendered.map((file) => file.path), `vendor/${runtime.name}`, lock.path].sort();
  const summary = {
    project: { name, dir },
    options: { ...choices, target: options.target ?? null, force: options.force, offline: options.offline, dryRun: options.dryRun },
    files,
  };
  out.detail(`template ${projectTemplate()}; database ${choices.database} (${database(choices.database).driver.name}); example app ${choices.example ? 'included' : 'left out'}; auth ${choices.auth}`);

  // A project made inside a repository (a monorepo, say) belongs to it: no `git init` there.
  const repository = choices.git ? await enclosingRepository(dir) : undefined;
  const isRepository = repository !== undefined && where.exists && fs.realpathSync(dir) === repository;
  const insideRepository = isRepository ? `${dir} is a git repository already` : `${dir} is inside the git repository at ${repository}`;

  if (options.dryRun) {
    out.info(`Would create tsgate project ${name} in ${dir} (dry run: nothing written)\n\n${fileTree(name, files)}`);
    if (choices.install) out.info(`\nWould run: ${[pm.name, ...installArgs(pm, options.offline)].join(' ')}`);
    if (repository) out.warn(`would not run git init: ${insideRepository}; the project's files would be left for you to commit there`);
    else if (choices.git) out.info('Would run: git init, git add -A, git commit');
    out.json({ ok: true, command: 'create', dryRun: true, ...summary, nextSteps: [] });
    return 0;
  }

  out.info(`Creating tsgate project ${name} in ${dir}\n`);
  const staging = await Staging.create(where);
  const controller = new AbortController();
  const stopWatching = abortOnSignal(controller);
  const step = () => controller.signal.throwIfAborted();
  const commandOutput: CommandOutput = options.json ? (options.verbose ? 'stderr' : 'ignore') : options.quiet ? 'ignore' : 'inherit';
  let installFailed = false;
  let installMissing = false;
  let git: GitResult | 'skipped' = 'skipped';
  try {
    await writeFiles(staging.dir, [...rendered, lock]);
    await fs.copy(runtime.file, join(staging.dir, 'vendor', runtime.name));
    step();
    out.info(`${fileTree(name, files)}\n`);
    if (choices.install) {
      const command = [pm.name, ...installArgs(pm, options.offline)].join(' ');
      out.info(`Installing dependencies: ${command}…`);
      if (options.offline && !pm.offline) out.warn(`${pm.name} has no offline flag: it installs from its cache where it can`);
      const code = await installDependencies(pm, staging.dir, options.offline, commandOutput);
      installFailed = code !== 0;
      installMissing = code === 127;
      step();
    }
    if (repository) git = 'inside-repository';
    else if (choices.git) git = await initGit(staging.dir);
    out.detail(`git: ${git}`);
    step();
    await staging.commit();
  } catch (error) {
    await staging.discard();
    if (error instanceof Interrupted) {
      out.error(`\nInterrupted: nothing was left behind in ${dirname(dir)}`);
      out.json({ ok: false, command: 'create', error: 'interrupted', exitCode: 130, ...summary });
      return error.signal === 'SIGINT' ? 130 : 143;
    }
    if (error instanceof CreateError) throw error;
    throw new CreateError(`could not create ${dir}: ${(error as Error).message}; nothing was left behind`);
  } finally {
    stopWatching();
  }

  const cd = relative(process.cwd(), dir);
  const installCommand = [pm.install, ...(options.offline && pm.offline ? [pm.offline] : [])].join(' ');
  const db = database(choices.database);
  const nextSteps = commandLines([
    ...(cd ? [[`cd ${cd.includes(' ') ? JSON.stringify(cd) : cd}`] as const] : []),
    ...(choices.install && !installFailed ? [] : [[installCommand] as const]),
    ...(db.onServer ? [[`${pm.run} manage -- createdb`, `creates the database ${name} (DATABASE_URL in .env)`] as const] : []),
    [`${pm.run} manage -- migrate`, 'makes the database tables'],
    ...(choices.auth === 'none' ? [] : [[`${pm.run} manage -- createsuperuser`, 'your first user, for /accounts/login/'] as const]),
    [`${pm.run} dev`, 'http://127.0.0.1:8000'],
    [`${pm.run} test`],
    [`${pm.run} manage -- help`],
  ]);
  if (git === 'initialized') out.warn('initialised a git repository without a first commit: set git user.name and user.email, then commit');
  if (git === 'unavailable') out.warn('git is not available: skipped the repository');
  if (git === 'inside-repository') out.warn(`skipped git init: ${insideRepository}; add and commit the project's files there`);
  if (db.onServer) {
    out.info(`The project expects ${db.label}: .env's DATABASE_URL is ${db.localUrl(name)}, a server on this machine as it comes installed; put your own user and password in if it asks for them.`);
  }
  out.info(`${out.style('green', 'Done.')} Next:\n\n${box(nextSteps)}`);
  if (installFailed) {
    const why = installMissing
      ? `${pm.name} could not be started: install it, or choose another with --pm, then run '${installCommand}' inside ${dir}`
      : options.offline
      ? `'${installCommand}' failed: an offline install needs every package already in the ${pm.name} cache — run it once online, or without --offline`
      : `'${installCommand}' failed: run it again inside ${dir}`;
    out.error(`\nThe project is complete, but ${why}.`);
    out.warnings.push(why);
  }
  out.json({ ok: !installFailed, command: 'create', dryRun: false, ...summary, installed: choices.install && !installFailed, git, nextSteps });
  return installFailed ? 1 : 0;
}
