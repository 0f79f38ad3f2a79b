/**
 * create-tsgate-project, top to bottom: settle the name and folder, render
 * the template into a staging folder, add the runtime, install, init git,
 * move into place, print the next steps.
 */
import { randomBytes } from 'node:crypto';
import fs from 'fs-extra';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { CreateError } from './errors.js';
import { initGit, installDependencies, stopRunningCommand, type GitResult } from './install.js';
import { validateProjectName } from './name.js';
import type { CreateOptions } from './options.js';
import { detectPackageManager } from './package-manager.js';
import { PROJECT_TEMPLATE, runtimeTarball } from './paths.js';
import { askText, canPrompt } from './prompt.js';
import { renderTemplate } from './render.js';
import { box, fileList } from './report.js';
import { inspectTarget, Staging } from './staging.js';

const DEFAULT_NAME = 'mysite';

async function chooseTarget(options: CreateOptions): Promise<string> {
  if (options.target !== undefined) return options.target;
  return canPrompt(options.yes) ? askText('Project name:', DEFAULT_NAME) : DEFAULT_NAME;
}

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

export async function create(options: CreateOptions): Promise<number> {
  const target = await chooseTarget(options);
  const dir = resolve(target);
  const name = validateProjectName(basename(dir));
  const where = await inspectTarget(dir, options.force);
  const runtime = runtimeTarball();
  const pm = detectPackageManager();

  process.stdout.write(`Creating tsgate project ${name} in ${dir}\n\n`);
  const staging = await Staging.create(where);
  const controller = new AbortController();
  const stopWatching = abortOnSignal(controller);
  const step = () => controller.signal.throwIfAborted();
  let installFailed = false;
  let git: GitResult | 'skipped' = 'skipped';
  try {
    const files = await renderTemplate(PROJECT_TEMPLATE, staging.dir, {
      name,
      runtimeTarball: runtime.name,
      secretKey: developmentSecret(),
      pm,
    });
    await fs.copy(runtime.file, join(staging.dir, 'vendor', runtime.name));
    files.push(`vendor/${runtime.name}`);
    step();
    process.stdout.write(`${fileList(name, files)}\n\n`);
    if (options.install) {
      process.stdout.write(`Installing dependencies with ${pm.name}…\n`);
      installFailed = (await installDependencies(pm, staging.dir, false)) !== 0;
      step();
    }
    if (options.git) git = await initGit(staging.dir, where.exists ? dir : staging.dir);
    step();
    await staging.commit();
  } catch (error) {
    await staging.discard();
    if (error instanceof Interrupted) {
      process.stderr.write(`\nInterrupted: nothing was left behind in ${dirname(dir)}\n`);
      return error.signal === 'SIGINT' ? 130 : 143;
    }
    if (error instanceof CreateError) throw error;
    throw new CreateError(`could not create ${dir}: ${(error as Error).message}; nothing was left behind`);
  } finally {
    stopWatching();
  }

  const cd = relative(process.cwd(), dir);
  const steps = [
    ...(cd ? [`cd ${cd.includes(' ') ? JSON.stringify(cd) : cd}`] : []),
    ...(options.install && !installFailed ? [] : [pm.install]),
    `${pm.run} dev          # http://127.0.0.1:8000`,
    `${pm.run} test`,
    `${pm.run} manage -- help`,
  ];
  if (git === 'initialized') process.stdout.write('Initialised a git repository (no commit: set git user.name and user.email).\n');
  if (git === 'unavailable') process.stdout.write('git is not available: skipped the repository.\n');
  process.stdout.write(`Done. Next:\n\n${box(steps)}\n`);
  if (installFailed) {
    process.stderr.write(`\nThe project is complete, but '${pm.install}' failed: run it again inside ${dir}.\n`);
    return 1;
  }
  return 0;
}
