/**
 * `create-tsgate-project upgrade`: a newer template stands in through
 * CREATE_TSGATE_TEMPLATE (a copy of templates/project with edits); the
 * project's own edits are made by hand, as a user would.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_TEMPLATE, runtimeTarball } from '../../src/create/paths.js';
import { runGenerator, tempDir } from '../helpers/process.js';

const TEMPLATE_EDIT = '// Added by the newer template.\n';

function generate(args: string[] = []): string {
  const cwd = tempDir();
  const result = runGenerator(['site', '--no-install', '--no-git', ...args], cwd);
  expect(result.status, result.stderr).toBe(0);
  return join(cwd, 'site');
}

/** A copy of the project template with the changes a newer generator would bring. */
function newerTemplate(): string {
  const dir = join(tempDir('tsgate-template-'), 'project');
  cpSync(PROJECT_TEMPLATE, dir, { recursive: true });
  appendFileSync(join(dir, 'manage.ts.hbs'), TEMPLATE_EDIT); // you did not touch it: updated
  const readme = join(dir, 'README.md.hbs');
  writeFileSync(readme, `<!-- newer template -->\n${readFileSync(readme, 'utf8')}`); // you edit the end: merged
  const ignore = join(dir, '_gitignore');
  writeFileSync(ignore, readFileSync(ignore, 'utf8').replace(/^.*$/m, '/node_modules/')); // you edit the same line: conflict
  writeFileSync(join(dir, 'CHANGELOG.md'), '# Changes\n'); // added
  rmSync(join(dir, 'Procfile.hbs')); // removed
  appendFileSync(join(dir, 'deploy', 'apache.conf.hbs'), '# newer\n'); // you deleted it: kept deleted
  return dir;
}

function upgrade(project: string, args: string[] = [], template?: string) {
  return runGenerator(['upgrade', ...args], project, template ? { CREATE_TSGATE_TEMPLATE: template } : {});
}

function treeHash(dir: string): string {
  const hash = createHash('sha256');
  const walk = (at: string) => {
    for (const name of readdirSync(at).sort()) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else hash.update(relative(dir, path)).update(readFileSync(path));
    }
  };
  walk(dir);
  return hash.digest('hex');
}

const read = (project: string, path: string) => readFileSync(join(project, path), 'utf8');

describe('create-tsgate-project upgrade', () => {
  it('does nothing to a project already on this generator', () => {
    const project = generate();
    const before = treeHash(project);
    const result = upgrade(project);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/already this generator's tsgate/);
    expect(result.stdout).not.toMatch(/^(updated|merged|conflict|added)/m);
    expect(treeHash(project)).toBe(before);
  });

  it('brings every template change into a project nobody edited, with no conflict', () => {
    const project = generate();
    const template = newerTemplate();
    const result = upgrade(project, [], template);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^updated \(you had not changed it\): 4\n {2}\.gitignore\n {2}README\.md\n {2}deploy\/apache\.conf\n {2}manage\.ts$/m);
    expect(result.stdout).toMatch(/^added \(new in the template\): 1\n {2}CHANGELOG\.md$/m);
    expect(result.stdout).toMatch(/^removed .*: 1\n {2}Procfile$/m);
    expect(read(project, 'manage.ts').endsWith(TEMPLATE_EDIT)).toBe(true);
    expect(read(project, '.gitignore').split('\n')[0]).toBe('/node_modules/');
    expect(read(project, 'CHANGELOG.md')).toBe('# Changes\n');
    expect(existsSync(join(project, 'Procfile'))).toBe(false);
    expect(read(project, 'deploy/apache.conf').endsWith('# newer\n')).toBe(true);
    // The new template is the next base: upgrading again changes nothing.
    const after = treeHash(project);
    expect(upgrade(project, [], template).status).toBe(0);
    expect(treeHash(project)).toBe(after);
  });

  it('keeps your edits: merged where they do not overlap, kept where the template did not change, deleted stays deleted', () => {
    const project = generate();
    appendFileSync(join(project, 'README.md'), '\n## Our notes\n');
    appendFileSync(join(project, 'site', 'settings.ts'), '\nexport const SHOP_NAME = "ours";\n');
    rmSync(join(project, 'deploy', 'apache.conf'));
    const result = upgrade(project, [], newerTemplate());
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^merged \(your changes and the template's\): 1\n {2}README\.md$/m);
    expect(result.stdout).toMatch(/^kept deleted \(you deleted it\): 1\n {2}deploy\/apache\.conf$/m);
    const readme = read(project, 'README.md');
    expect(readme.startsWith('<!-- newer template -->\n# site')).toBe(true);
    expect(readme.endsWith('\n## Our notes\n')).toBe(true);
    expect(read(project, 'site/settings.ts')).toContain('SHOP_NAME = "ours"');
    expect(existsSync(join(project, 'deploy', 'apache.conf'))).toBe(false);
  });

  it('writes conflict markers where both changed the same lines, and exits 1', () => {
    const project = generate();
    const ignore = join(project, '.gitignore');
    writeFileSync(ignore, readFileSync(ignore, 'utf8').replace(/^.*$/m, 'node_modules'));
    const result = upgrade(project, ['--json'], newerTemplate());
    expect(result.status).toBe(1);
    const report = JSON.parse(result.stdout) as { ok: boolean; files: Record<string, string[]>; nextSteps: string[] };
    expect(report.ok).toBe(false);
    expect(report.files.conflict).toEqual(['.gitignore']);
    expect(report.files.updated).toContain('manage.ts');
    expect(report.nextSteps[0]).toMatch(/resolve the conflict markers in \.gitignore/);
    const lines = read(project, '.gitignore').split('\n');
    expect(lines.slice(0, 5)).toEqual(['<<<<<<< yours', 'node_modules', '=======', '/node_modules/', expect.stringMatching(/^>>>>>>> template/)]);
    // Only there: the rest of the file is the template's and yours alike.
    expect(lines.filter((line) => /^(<<<<<<<|=======|>>>>>>>)/.test(line))).toHaveLength(3);
    // Without --json: the summary and the conflict on stderr.
    const human = generate();
    writeFileSync(join(human, '.gitignore'), readFileSync(join(human, '.gitignore'), 'utf8').replace(/^.*$/m, 'node_modules'));
    const text = upgrade(human, [], newerTemplate());
    expect(text.status).toBe(1);
    expect(text.stdout).toMatch(/^conflict \(both changed: resolve the markers\): 1\n {2}\.gitignore$/m);
    expect(text.stderr).toMatch(/1 file\(s\) with conflicts: \.gitignore/);
  });

  it('--dry-run shows the plan and writes nothing', () => {
    const project = generate();
    const ignore = join(project, '.gitignore');
    writeFileSync(ignore, readFileSync(ignore, 'utf8').replace(/^.*$/m, 'node_modules'));
    writeFileSync(join(project, 'vendor', readdirSync(join(project, 'vendor'))[0]!), 'an older runtime');
    const before = treeHash(project);
    const result = upgrade(project, ['--dry-run'], newerTemplate());
    expect(result.stdout).toMatch(/Upgrade plan \(dry run: nothing written\)/);
    expect(result.stdout).toMatch(/replaced with this generator's tsgate/);
    expect(result.stdout).toMatch(/^conflict .*: 1$/m);
    expect(result.stdout).toMatch(/^added .*: 1$/m);
    expect(treeHash(project)).toBe(before);
  });

  it('replaces the vendored runtime and the package.json dependency on it, keeping your dependencies', () => {
    const project = generate(['--database', 'postgres']);
    const current = readdirSync(join(project, 'vendor'))[0]!;
    // Stand in for a project made by an older generator, with an older runtime and a dependency of yours.
    const old = 'tsgate-0.0.9.tgz';
    renameSync(join(project, 'vendor', current), join(project, 'vendor', old));
    writeFileSync(join(project, 'vendor', old), 'an older runtime');
    const pkgPath = join(project, 'package.json');
    const pkg = JSON.parse(readFileSync(pkgPath, 'utf8').replaceAll(current, old)) as { dependencies: Record<string, string> };
    pkg.dependencies['left-pad'] = '^1.3.0';
    writeFileSync(pkgPath, `${JSON.stringify(pkg, null, 2)}\n`);
    const lockPath = join(project, '.tsgate', 'template.lock.json');
    writeFileSync(lockPath, readFileSync(lockPath, 'utf8').replaceAll(current, old));

    const result = upgrade(project);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`vendor/${current}: replaced with this generator's tsgate (was ${old})`);
    expect(readdirSync(join(project, 'vendor'))).toEqual([current]);
    expect(readFileSync(join(project, 'vendor', current)).equals(readFileSync(runtimeTarball().file))).toBe(true);
    const upgraded = JSON.parse(readFileSync(pkgPath, 'utf8')) as { dependencies: Record<string, string> };
    expect(upgraded.dependencies).toEqual({ pg: '^8.16.3', tsgate: `file:vendor/${current}`, valibot: '^1.5.0', 'left-pad': '^1.3.0' });
    expect(result.stdout).toMatch(/npm install {3}# installs the new vendor/);
    const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as { runtime: string };
    expect(lock.runtime).toBe(current);
  });

  it('names the vendored runtime by version and content, so a package manager that caches file: tarballs by name (Yarn 1) never installs an older build', () => {
    const { file, name } = runtimeTarball();
    const digest = createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 12);
    expect(name).toMatch(/^tsgate-\d+\.\d+\.\d+-[0-9a-f]{12}\.tgz$/);
    expect(name.endsWith(`-${digest}.tgz`)).toBe(true);
  });

  it('outside a generated project: a clear error, exit 1', () => {
    const result = runGenerator(['upgrade'], tempDir());
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/no \.tsgate\/template\.lock\.json in .*: run upgrade in the folder of a project made by create-tsgate-project/);
  });
});
