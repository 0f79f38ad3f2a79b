/**
 * `manage makemigrations APP --empty --name NAME`: the next numbered, empty
 * migration to write by hand; and makemigrations with no models to compare.
 * It never touches the database, so it runs on SQLite only. (Migrations
 * detected from models: makemigrations-models.test.ts.)
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STANDARD_MIGRATIONS, TestProject, useProjects } from './project.js';

useProjects();

function project(files: Readonly<Record<string, string>> = STANDARD_MIGRATIONS): TestProject {
  return new TestProject({ apps: ['notes', 'tags', 'plain'], files, env: { DATABASE_URL: 'sqlite:///db.sqlite3' } });
}

describe.concurrent('makemigrations', () => {
  it('--empty writes APP/migrations/NNNN_NAME.ts numbered after the last, with empty up() and down()', async () => {
    const site = project();
    const made = await site.manage(['makemigrations', 'notes', '--empty', '--name', 'add_summary']);
    expect(made.status, made.output).toBe(0);
    expect(made.stdout).toBe(`Migrations for 'notes':\n  notes/migrations/0005_add_summary.ts\n    - Empty migration: fill in up() and down()\n`);
    const text = site.read('notes/migrations/0005_add_summary.ts');
    expect(text).toContain('notes.0005_add_summary');
    expect(text).toContain('manage sqlmigrate notes 0005');
    expect(text).toContain("import type { MigrationDb } from 'tsgate/db';");
    expect(text).toMatch(/export async function up\(db: MigrationDb\): Promise<void> \{\n(\s*\/\/.*\n)*\}/);
    expect(text).toMatch(/export async function down\(db: MigrationDb\): Promise<void> \{\n(\s*\/\/.*\n)*\}/);
    expect(text).not.toMatch(/\{\{\w+\}\}/);
    // No statement in the bodies: only comments.
    const bodies = [...text.matchAll(/Promise<void> \{\n([\s\S]*?)\n\}/g)].map((match) => match[1] ?? '');
    expect(bodies).toHaveLength(2);
    for (const body of bodies) expect(body.split('\n').every((line) => line.trim() === '' || line.trim().startsWith('//'))).toBe(true);

    // Other files untouched; the next one is numbered after it.
    for (const [path, content] of Object.entries(STANDARD_MIGRATIONS)) expect(site.read(path), path).toBe(content);
    const next = await site.manage(['makemigrations', 'notes', '--empty', '-n', 'add_title']);
    expect(next.status, next.output).toBe(0);
    expect(readdirSync(site.path('notes/migrations')).sort()).toEqual([
      '0001_initial.js',
      '0002_title.js',
      '0003_archive.js',
      '0004_label.js',
      '0005_add_summary.ts',
      '0006_add_title.ts',
    ]);
  });

  it('numbers after the highest number even with gaps, ignores other files, and never overwrites', async () => {
    const site = project({ 'notes/migrations/0001_initial.js': 'one', 'notes/migrations/0007_late.js': 'seven', 'notes/migrations/helpers.js': 'x', 'notes/migrations/0003_x.d.ts': 'd' });
    const made = await site.manage(['makemigrations', 'notes', '--empty', '--name', 'add_title']);
    expect(made.status, made.output).toBe(0);
    expect(site.read('notes/migrations/0008_add_title.ts')).toContain('notes.0008_add_title');
    expect(site.read('notes/migrations/0001_initial.js')).toBe('one');
    expect(site.read('notes/migrations/0007_late.js')).toBe('seven');
    // The same name again is the next number, not the same file.
    const edited = `${site.read('notes/migrations/0008_add_title.ts')}// filled in\n`;
    site.write('notes/migrations/0008_add_title.ts', edited);
    const again = await site.manage(['makemigrations', 'notes', '--empty', '--name', 'add_title']);
    expect(again.status, again.output).toBe(0);
    expect(site.read('notes/migrations/0008_add_title.ts')).toBe(edited);
    expect(site.read('notes/migrations/0009_add_title.ts')).toContain('notes.0009_add_title');
  });

  it("an app's first migration is 0001_initial by default, made with its migrations folder", async () => {
    const site = project();
    const made = await site.manage(['makemigrations', 'plain', '--empty']);
    expect(made.status, made.output).toBe(0);
    expect(readdirSync(site.path('plain/migrations'))).toEqual(['0001_initial.ts']);
    const next = await site.manage(['makemigrations', 'plain', '--empty']);
    expect(next.status, next.output).toBe(0);
    expect(readdirSync(site.path('plain/migrations')).sort()[1]).toMatch(/^0002_auto_\d{8}_\d{4}\.ts$/);
  });

  it('with no models anywhere: no changes, nothing written; --empty without an app is exit 2 naming the apps', async () => {
    const site = project();
    const run = await site.manage(['makemigrations']);
    expect(run.status, run.output).toBe(0);
    expect(run.stdout).toBe('No changes detected\n');
    const one = await site.manage(['makemigrations', 'notes', '--check']);
    expect(one.status, one.output).toBe(0);
    expect(one.stdout).toBe("No changes detected in app 'notes'\n");
    const empty = await site.manage(['makemigrations', '--empty']);
    expect(empty.status, empty.output).toBe(2);
    expect(empty.stderr).toContain('--empty needs an app');
    expect(empty.stderr).toContain('Installed apps: notes, tags, plain.');
    expect(readdirSync(site.path('notes/migrations'))).toHaveLength(4);
  });

  it('a bad name is exit 2 and writes nothing; an unknown app is an error', async () => {
    const site = project();
    for (const name of ['Add-Title', '1st', 'add title', '../escape', '']) {
      const run = await site.manage(['makemigrations', 'notes', '--empty', '--name', name]);
      expect(run.status, `${name}: ${run.output}`).toBe(2);
      expect(run.stderr, name).toMatch(/is not a valid migration name|needs a value|expects a value|requires/i);
    }
    expect(readdirSync(site.path('notes/migrations'))).toHaveLength(4);
    const unknown = await site.manage(['makemigrations', 'nope']);
    expect(unknown.status, unknown.output).toBe(1);
    expect(unknown.stderr).toContain("No installed app with the label 'nope'");
    expect(readdirSync(site.path('notes/migrations'))).toHaveLength(4);
  });
});
