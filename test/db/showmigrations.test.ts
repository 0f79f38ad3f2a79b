/**
 * `manage showmigrations` on each backend, and the warnings `migrate` and
 * `showmigrations` give for an applied migration whose file changed.
 */
import { describe, expect, it } from 'vitest';
import { checksum, newProject, STANDARD_MIGRATIONS, useProjects } from './project.js';
import { BACKENDS, dropDatabasesAfterAll, unavailable } from './services.js';

useProjects();
dropDatabasesAfterAll();

describe.concurrent.each(BACKENDS)('showmigrations on $title', (backend) => {
  if (unavailable(backend)) return;

  it('marks applied migrations [X] and the rest [ ], app by app; --plan lists them in the order migrate runs them', async () => {
    const { project, database } = await newProject(backend, { apps: ['notes', 'tags', 'plain'] });
    const fresh = await project.manage(['showmigrations']);
    expect(fresh.status, fresh.output).toBe(0);
    expect(fresh.stdout).toBe(
      'notes\n [ ] 0001_initial\n [ ] 0002_title\n [ ] 0003_archive\n [ ] 0004_label\ntags\n [ ] 0001_initial\n [ ] 0002_color\nplain\n (no migrations)\n',
    );
    // Reading creates nothing.
    expect(await database.tables()).toEqual([]);

    expect((await project.manage(['migrate', 'tags'])).status).toBe(0);
    const shown = await project.manage(['showmigrations']);
    expect(shown.status, shown.output).toBe(0);
    expect(shown.stdout).toBe(
      'notes\n [X] 0001_initial\n [X] 0002_title\n [ ] 0003_archive\n [ ] 0004_label\ntags\n [X] 0001_initial\n [X] 0002_color\nplain\n (no migrations)\n',
    );
    expect(shown.stderr).toBe('');

    const plan = await project.manage(['showmigrations', '--plan']);
    expect(plan.status, plan.output).toBe(0);
    expect(plan.stdout).toBe(
      [
        '[X]  notes.0001_initial',
        '[X]  notes.0002_title',
        '[ ]  notes.0003_archive',
        '[ ]  notes.0004_label',
        '[X]  tags.0001_initial',
        '[X]  tags.0002_color',
        '',
      ].join('\n'),
    );
    expect((await project.manage(['showmigrations', '-p'])).stdout).toBe(plan.stdout);
  });

  it('shows only the apps asked for; an unknown app is an error', async () => {
    const { project } = await newProject(backend, { apps: ['notes', 'tags', 'plain'] });
    expect((await project.manage(['migrate', 'notes', '0001'])).status).toBe(0);
    const tags = await project.manage(['showmigrations', 'tags']);
    expect(tags.stdout).toBe('tags\n [ ] 0001_initial\n [ ] 0002_color\n');
    const two = await project.manage(['showmigrations', 'plain', 'notes']);
    expect(two.stdout).toBe('plain\n (no migrations)\nnotes\n [X] 0001_initial\n [ ] 0002_title\n [ ] 0003_archive\n [ ] 0004_label\n');
    const tagsPlan = await project.manage(['showmigrations', 'tags', '--plan']);
    expect(tagsPlan.stdout).toBe('[ ]  tags.0001_initial\n[ ]  tags.0002_color\n');
    const plainPlan = await project.manage(['showmigrations', 'plain', '--plan']);
    expect(plainPlan.stdout).toBe('(no migrations)\n');
    const unknown = await project.manage(['showmigrations', 'nope']);
    expect(unknown.status, unknown.output).toBe(1);
    expect(unknown.stderr).toContain("No installed app with the label 'nope'. Installed apps: notes, tags, plain.");
  });

  it('an applied file edited since: marked by showmigrations, warned about by migrate, and not run again', async () => {
    const { project, database } = await newProject(backend);
    expect((await project.manage(['migrate', 'notes', '0002'])).status).toBe(0);
    const original = checksum(project, 'notes/migrations/0002_title.js');
    project.write('notes/migrations/0002_title.js', `${STANDARD_MIGRATIONS['notes/migrations/0002_title.js']}// edited after it was applied\n`);
    // An unapplied file may change freely.
    project.write('notes/migrations/0003_archive.js', `${STANDARD_MIGRATIONS['notes/migrations/0003_archive.js']}// still unapplied\n`);

    const shown = await project.manage(['showmigrations', 'notes']);
    expect(shown.status, shown.output).toBe(0);
    expect(shown.stdout).toBe('notes\n [X] 0001_initial\n [X] 0002_title (changed since it was applied)\n [ ] 0003_archive\n [ ] 0004_label\n');
    const plan = await project.manage(['showmigrations', '--plan']);
    expect(plan.stdout).toContain('[X]  notes.0002_title (changed since it was applied)\n');

    const migrate = await project.manage(['migrate']);
    expect(migrate.status, migrate.output).toBe(0);
    expect(migrate.stderr).toContain(`Warning: notes.0002_title has changed since it was applied (${project.path('notes/migrations/0002_title.js')}).`);
    expect(migrate.stderr).not.toContain('0003_archive');
    expect(migrate.stdout).not.toContain('Applying notes.0002_title');
    expect(migrate.stdout).toContain('Applying notes.0003_archive... OK');
    // The record keeps what was applied.
    expect((await database.recorded()).get('notes.0002_title')).toBe(original);
    expect((await project.manage(['migrate', '--check'])).stderr).toContain('Warning: notes.0002_title has changed');

    // Putting the edit back clears it.
    project.write('notes/migrations/0002_title.js', STANDARD_MIGRATIONS['notes/migrations/0002_title.js'] ?? '');
    const restored = await project.manage(['showmigrations', 'notes']);
    expect(restored.stdout).not.toContain('changed');
    expect(restored.stderr).toBe('');
  });

  it('an applied migration whose file is gone is still listed, as applied', async () => {
    const { project } = await newProject(backend);
    expect((await project.manage(['migrate'])).status).toBe(0);
    project.remove('notes/migrations/0004_label.js');
    project.remove('tags/migrations');
    const shown = await project.manage(['showmigrations']);
    expect(shown.status, shown.output).toBe(0);
    expect(shown.stdout).toBe(
      [
        'notes',
        ' [X] 0001_initial',
        ' [X] 0002_title',
        ' [X] 0003_archive',
        ' [X] 0004_label (applied, but its file is gone)',
        'tags',
        ' [X] 0001_initial (applied, but its file is gone)',
        ' [X] 0002_color (applied, but its file is gone)',
        '',
      ].join('\n'),
    );
  });
});
