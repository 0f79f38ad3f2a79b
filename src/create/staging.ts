/**
 * Builds the project in a hidden folder beside the target and moves it into
 * place only when complete, so a failure or Ctrl-C never leaves a
 * half-written project behind.
 */
import fs from 'fs-extra';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { CreateError } from './errors.js';

export interface Target {
  /** Absolute path of the project folder. */
  dir: string;
  /** True when the folder exists and is not empty (allowed only with --force). */
  nonEmpty: boolean;
  exists: boolean;
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return 'permission denied';
  if (code === 'ENOTDIR') return 'a file is in the way';
  if (code === 'ENOSPC') return 'the disk is full';
  return (error as Error).message;
}

/** Checks the target folder before any work is done. */
export async function inspectTarget(dir: string, force: boolean): Promise<Target> {
  let stat;
  try {
    stat = await fs.stat(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { dir, nonEmpty: false, exists: false };
    throw new CreateError(`cannot use ${dir}: ${describe(error)}`);
  }
  if (!stat.isDirectory()) throw new CreateError(`${dir} exists and is not a folder: choose another name`);
  const nonEmpty = (await fs.readdir(dir)).length > 0;
  if (nonEmpty && !force) {
    throw new CreateError(`${dir} is not empty: choose another name, or pass --force to write into it (files with the same names are replaced)`);
  }
  return { dir, nonEmpty, exists: true };
}

export class Staging {
  private constructor(
    readonly dir: string,
    private readonly target: Target,
  ) {}

  static async create(target: Target): Promise<Staging> {
    const parent = dirname(target.dir);
    const dir = join(parent, `.${basename(target.dir)}.tsgate-${randomBytes(4).toString('hex')}`);
    try {
      await fs.mkdirp(parent);
      await fs.mkdir(dir);
    } catch (error) {
      throw new CreateError(`cannot write to ${parent}: ${describe(error)}`);
    }
    return new Staging(dir, target);
  }

  /** Moves the finished project into place. */
  async commit(): Promise<void> {
    if (!this.target.exists) {
      await fs.rename(this.dir, this.target.dir);
      return;
    }
    for (const entry of await fs.readdir(this.dir)) {
      const to = join(this.target.dir, entry);
      // Never replace a repository that is already there, whatever --force says.
      if (entry === '.git' && (await fs.pathExists(to))) continue;
      await fs.move(join(this.dir, entry), to, { overwrite: true });
    }
    await fs.remove(this.dir);
  }

  /** Removes everything written so far. Safe to call twice and from a signal handler. */
  discard(): Promise<void> {
    return fs.remove(this.dir);
  }
}
