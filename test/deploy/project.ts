/** A generated project for the deployment tests, and the Dockerfile read with docker-file-parser. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, type CommandEntry } from 'docker-file-parser';
import { runGenerator, tempDir } from '../helpers/process.js';

export const NAME = 'site';

/** Generates `site` with no install and no git (well under a second); `args` adds generator flags, e.g. `--database postgres`. */
export function generateProject(args: string[] = []): string {
  const cwd = tempDir('tsgate-deploy-');
  const created = runGenerator([NAME, '--no-install', '--no-git', ...args], cwd);
  if (created.status !== 0) throw new Error(`generator failed:\n${created.stdout}${created.stderr}`);
  return join(cwd, NAME);
}

export interface Stage {
  from: string;
  name: string;
  commands: CommandEntry[];
}

/** The Dockerfile's instructions grouped by stage. */
export function dockerStages(project: string): Stage[] {
  const stages: Stage[] = [];
  for (const command of parse(readFileSync(join(project, 'Dockerfile'), 'utf8'), { includeComments: false })) {
    if (command.error) throw new Error(`Dockerfile line ${command.lineno}: ${command.error}`);
    if (command.name === 'FROM') {
      const [from = '', as, name = ''] = String(command.args).trim().split(/\s+/);
      stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : '', commands: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`Dockerfile line ${command.lineno}: ${command.name} before FROM`);
      stage.commands.push(command);
    }
  }
  return stages;
}

export function stage(stages: Stage[], name: string): Stage {
  const found = stages.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no stage ${name}`);
  return found;
}

/** `COPY`/`ADD` arguments split into flags (`--from`, `--chown`) and paths. */
export function copyArgs(command: CommandEntry): { flags: Record<string, string>; sources: string[]; destination: string } {
  const args = command.args as string[];
  const flags: Record<string, string> = {};
  const paths: string[] = [];
  for (const arg of args) {
    const flag = /^--([a-z-]+)=(.*)$/.exec(arg);
    if (flag) flags[flag[1] ?? ''] = flag[2] ?? '';
    else paths.push(arg);
  }
  const destination = paths.pop() ?? '';
  return { flags, sources: paths, destination };
}

/** `.dockerignore` as docker applies it: patterns relative to the context root, the last match wins, `!` re-includes. */
export function dockerIgnore(project: string): (relative: string) => boolean {
  const rules = readFileSync(join(project, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const pattern = (negated ? line.slice(1) : line).replace(/^\/+|\/+$/g, '');
      const source = pattern
        .split('')
        .map((char) => (char === '*' ? '[^/]*' : char === '?' ? '[^/]' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
        .join('');
      return { negated, regex: new RegExp(`^${source}(/.*)?$`) };
    });
  return (relative) => {
    let ignored = false;
    for (const rule of rules) if (rule.regex.test(relative)) ignored = !rule.negated;
    return ignored;
  };
}
