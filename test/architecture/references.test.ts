/**
 * The repository is read on its own: no file it tracks points to a design
 * document kept outside it (what a reader needs of the design is in
 * docs/architecture.md) or to a path on the machine it was written on.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/process.js';

// Built from parts, so that this file does not name what it looks for.
const OUTSIDE = [new RegExp(['DESIGN', 'md'].join('\\.')), new RegExp(['', 'work', ''].join('/'))];

function trackedTextFiles(): string[] {
  const listed = spawnSync('git', ['ls-files', '-z'], { cwd: REPO, encoding: 'utf8' });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  return listed.stdout.split('\0').filter((file) => file && !/\.(png|jpe?g|gif|ico|tgz|woff2?)$/.test(file) && file !== 'package-lock.json');
}

describe('references out of the repository', () => {
  it('reads the tracked files, the architecture map among them', () => {
    expect(trackedTextFiles()).toContain('docs/architecture.md');
  });

  it('has no reference to a design document outside it, nor a machine path', () => {
    const found = trackedTextFiles().flatMap((file) => {
      const text = readFileSync(join(REPO, file), 'utf8');
      return text.split('\n').flatMap((line, index) => (OUTSIDE.some((pattern) => pattern.test(line)) ? [`${file}:${index + 1}: ${line.trim()}`] : []));
    });
    expect(found).toEqual([]);
  });
});
