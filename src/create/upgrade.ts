/**
 * `create-tsgate-project upgrade`, inside a generated project: the vendored
 * tsgate runtime is replaced with this generator's, and the template's
 * changes since the project was made come into the project's files by a
 * three-way merge — base: the template as rendered then (the lock), ours:
 * the file now, theirs: the template rendered now with the same choices.
 * Conflict markers only where both changed the same lines; exit 1 then.
 */
import fs from 'fs-extra';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateError } from './errors.js';
import { baseContent, lockFile, readLock, UNTRACKED, type TemplateLock } from './lock.js';
import { mergeText } from './merge.js';
import type { UpgradeOptions } from './options.js';
import type { Output } from './output.js';
import { packageManager } from './package-manager.js';
import { generatorVersion, projectTemplate, runtimeTarball } from './paths.js';
import { renderProject } from './project.js';
import { writeFiles, type RenderedFile } from './render.js';

export type Action =
  | 'unchanged' // nothing to do: the template did not change it, or you already have its new text
  | 'updated' // you had not changed it: the new template text replaces it
  | 'merged' // both changed it, in different places
  | 'conflict' // both changed the same lines: markers written
  | 'added' // new in the template
  | 'kept-deleted' // you deleted it: it stays deleted
  | 'removed' // gone from the template, and you had not changed it
  | 'kept' // gone from the template, but you had changed it
  | 'kept-migration'; // a migration in the project (and its app's models.ts) is never rewritten: its checksum is recorded in databases

interface Step {
  path: string;
  action: Action;
  /** The new content, for actions that write. */
  content?: Buffer;
}

async function readOptional(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The one step for one file, from its three versions. */
function plan(path: string, base: Buffer | undefined, ours: Buffer | undefined, theirs: Buffer | undefined, theirsLabel: string): Step {
  if (!theirs) {
    if (!base || !ours) return { path, action: 'unchanged' };
    return ours.equals(base) ? { path, action: 'removed' } : { path, action: 'kept' };
  }
  if (!ours) return base ? { path, action: 'kept-deleted' } : { path, action: 'added', content: theirs };
  if (ours.equals(theirs)) return { path, action: 'unchanged' };
  if (base && ours.equals(base)) return { path, action: 'updated', content: theirs };
  if (base && theirs.equals(base)) return { path, action: 'unchanged' };
  // Both differ from the base (or there was none: a file of yours where the template now has one).
  const merged = mergeText(ours.toString('utf8'), base?.toString('utf8') ?? '', theirs.toString('utf8'), theirsLabel);
  return { path, action: merged.conflict ? 'conflict' : 'merged', content: Buffer.from(merged.text) };
}

/**
 * package.json's `tsgate` dependency names the vendored tarball; the new name
 * is put into the base and into yours first, so that change alone is never a
 * conflict with the dependencies you added beside it.
 */
function withRuntime(content: Buffer | undefined, from: string, to: string): Buffer | undefined {
  return content && Buffer.from(content.toString('utf8').replaceAll(`file:vendor/${from}`, `file:vendor/${to}`));
}

/** `pages/migrations/0001_initial.ts` → `pages`: an app's migration file. */
const MIGRATION_PATH = /^(.+)\/migrations\/\d{4}_\w+\.[cm]?[jt]s$/;

/**
 * Applied migrations are recorded with their checksum, and a migration's
 * models must agree with it: an existing migration the template changed is
 * kept as it is, and so is its app's models.ts (the project goes on with
 * the models and migrations it has; new ones come from makemigrations).
 */
function keepMigrations(steps: Step[]): Step[] {
  const rewrites = (step: Step) => step.action === 'updated' || step.action === 'merged' || step.action === 'conflict' || step.action === 'removed';
  const apps = new Set(steps.flatMap((step) => {
    const app = MIGRATION_PATH.exec(step.path)?.[1];
    return app !== undefined && rewrites(step) ? [app] : [];
  }));
  return steps.map((step) => {
    const app = MIGRATION_PATH.exec(step.path)?.[1] ?? (step.path.endsWith('/models.ts') ? step.path.slice(0, -'/models.ts'.length) : undefined);
    if (app === undefined || !apps.has(app) || !(rewrites(step) || (step.action === 'added' && !MIGRATION_PATH.test(step.path)))) return step;
    return { path: step.path, action: 'kept-migration' };
  });
}

const ORDER: Action[] = ['conflict', 'merged', 'updated', 'added', 'removed', 'kept', 'kept-migration', 'kept-deleted', 'unchanged'];
const LABEL: Record<Action, string> = {
  conflict: 'conflict (both changed: resolve the markers)',
  merged: 'merged (your changes and the template\'s)',
  updated: 'updated (you had not changed it)',
  added: 'added (new in the template)',
  removed: 'removed (gone from the template, unchanged by you)',
  kept: 'kept (gone from the template, but changed by you)',
  'kept-migration': "kept (a migration already in the project is never rewritten, nor its app's models.ts)",
  'kept-deleted': 'kept deleted (you deleted it)',
  unchanged: 'unchanged',
};

export async function upgrade(options: UpgradeOptions, out: Output, dir = process.cwd()): Promise<number> {
  const lock: TemplateLock = await readLock(dir);
  const runtime = runtimeTarball();
  const { choices } = lock;
  const version = generatorVersion();
  let rendered: RenderedFile[];
  try {
    // The secret only reaches .env, which upgrade never touches.
    rendered = await renderProject(projectTemplate(), choices.name, choices, runtime.name, 'unused', (path) => UNTRACKED.has(path));
  } catch (error) {
    throw new CreateError(`the template of create-tsgate-project@${version} could not be rendered with this project's recorded choices: ${(error as Error).message}`);
  }
  const theirs = new Map(rendered.map((file) => [file.path, file.content]));

  const steps: Step[] = [];
  for (const path of [...new Set([...theirs.keys(), ...Object.keys(lock.files)])].sort()) {
    const entry = lock.files[path];
    let base = entry && baseContent(entry);
    const onDisk = await readOptional(join(dir, path));
    let ours = onDisk;
    if (path === 'package.json') {
      base = withRuntime(base, lock.runtime, runtime.name);
      ours = withRuntime(ours, lock.runtime, runtime.name);
    }
    const step = plan(path, base, ours, theirs.get(path), `template (create-tsgate-project@${version})`);
    // The runtime rename in package.json is written even when nothing else changed.
    const renamedOnly = step.action === 'unchanged' && ours && onDisk && !ours.equals(onDisk);
    steps.push(renamedOnly ? { path, action: 'updated', content: ours } : step);
  }
  steps.splice(0, steps.length, ...keepMigrations(steps));

  const oldTarball = join(dir, 'vendor', lock.runtime);
  const newTarball = join(dir, 'vendor', runtime.name);
  const runtimeBytes = await readFile(runtime.file);
  const vendored = await readOptional(newTarball);
  const runtimeChanged = !vendored || !vendored.equals(runtimeBytes);
  const runtimeLine = runtimeChanged
    ? `vendor/${runtime.name}: replaced with this generator's tsgate${lock.runtime !== runtime.name ? ` (was ${lock.runtime})` : ''}`
    : `vendor/${runtime.name}: already this generator's tsgate`;

  const counts = new Map<Action, string[]>();
  for (const step of steps) counts.set(step.action, [...(counts.get(step.action) ?? []), step.path]);
  const conflicts = counts.get('conflict') ?? [];

  out.info(`${options.dryRun ? 'Upgrade plan (dry run: nothing written)' : 'Upgrading'} ${choices.name} to create-tsgate-project@${version}\n`);
  out.info(`  ${runtimeLine}`);
  for (const action of ORDER) {
    const paths = counts.get(action) ?? [];
    if (paths.length === 0) continue;
    out.info(`\n${LABEL[action]}: ${paths.length}`);
    if (action !== 'unchanged' || options.verbose) for (const path of paths) out.info(`  ${path}`);
  }

  if (!options.dryRun) {
    const writes: RenderedFile[] = steps.flatMap((step) => (step.content ? [{ path: step.path, content: step.content }] : []));
    try {
      await writeFiles(dir, writes);
      for (const step of steps) if (step.action === 'removed') await fs.remove(join(dir, step.path));
      if (runtimeChanged) {
        await fs.mkdirp(join(dir, 'vendor'));
        await fs.writeFile(`${newTarball}.tmp`, runtimeBytes);
        await fs.rename(`${newTarball}.tmp`, newTarball);
        if (lock.runtime !== runtime.name) await fs.remove(oldTarball);
      }
      // The new template is the base of the next upgrade, whatever you made of it this time.
      const nextLock = lockFile([...theirs].map(([path, content]) => ({ path, content })), {
        generator: `create-tsgate-project@${version}`,
        runtime: runtime.name,
        choices,
      });
      await writeFiles(dir, [nextLock]);
    } catch (error) {
      throw new CreateError(`upgrade stopped part-way in ${dir}: ${(error as Error).message}; git diff shows what changed`);
    }
  }

  const pm = packageManager(choices.pm);
  const nextSteps = [
    ...(conflicts.length > 0 ? [`resolve the conflict markers in ${conflicts.join(', ')}`] : []),
    ...(runtimeChanged ? [`${pm.install}   # installs the new vendor/${runtime.name}`] : []),
    `${pm.run} typecheck && ${pm.run} test`,
  ];
  if (!options.dryRun) out.info(`\nNext:\n${nextSteps.map((line) => `  ${line}`).join('\n')}`);
  if (conflicts.length > 0 && !options.dryRun) out.error(`\ncreate-tsgate-project: ${conflicts.length} file(s) with conflicts: ${conflicts.join(', ')}`);
  out.json({
    ok: conflicts.length === 0,
    command: 'upgrade',
    dryRun: options.dryRun,
    runtime: { from: lock.runtime, to: runtime.name, replaced: runtimeChanged },
    files: Object.fromEntries(ORDER.map((action) => [action, counts.get(action) ?? []])),
    nextSteps,
  });
  return conflicts.length > 0 ? 1 : 0;
}
