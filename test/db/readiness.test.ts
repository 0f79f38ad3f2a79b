/**
 * `/readyz`'s database check (db/readiness.ts) on each backend: not ready
 * while the database is missing or any migration on disk is unapplied —
 * the log detail names them — and ready once `migrate` has run them all.
 * Each check is a fresh process, as a new worker would make it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { newProject, runtimeModule, useProjects, type TestProject } from './project.js';
import { BACKENDS, dropDatabasesAfterAll, unavailable } from './services.js';

useProjects();
dropDatabasesAfterAll();

interface NotReady {
  reason: string;
  detail: string;
}

/**
 * What readinessProblem() says in a new process of the project: null when
 * ready. Run without blocking: the tests run concurrently, and a blocked
 * event loop let the other tests' connect timeouts expire on a busy machine.
 */
async function readiness(project: TestProject): Promise<NotReady | null> {
  project.write(
    'readyz.mjs',
    `import { configure, setModuleRoot } from ${JSON.stringify(runtimeModule('conf/index.js'))};
import { closeConnections } from ${JSON.stringify(runtimeModule('db/connections.js'))};
import { readinessProblem } from ${JSON.stringify(runtimeModule('db/readiness.js'))};
setModuleRoot(new URL('.', import.meta.url));
await configure();
// The logic is under test, not the probe's 2 s budget, which a fresh process on a busy machine can spend starting up.
console.log(JSON.stringify((await readinessProblem('default', 30_000)) ?? null));
await closeConnections();
`,
  );
  const env = { ...process.env, TSGATE_SETTINGS_MODULE: 'settings', ...project.env };
  const result = await promisify(execFile)(process.execPath, ['readyz.mjs'], { cwd: project.dir, env, encoding: 'utf8', timeout: 60_000 }).catch(
    (error: { code?: unknown; stdout?: string; stderr?: string }) => {
      throw new Error(`readyz.mjs failed (exit ${String(error.code)}):\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    },
  );
  return JSON.parse(result.stdout) as NotReady | null;
}

describe.concurrent.each(BACKENDS)('readiness on $title', (backend) => {
  if (unavailable(backend)) return;

  it('is not ready until every migration on disk is applied, naming the unapplied ones in the detail only', async () => {
    const { project } = await newProject(backend);
    const before = await readiness(project);
    if (backend.name === 'sqlite') {
      // No file yet: not created by the check, and not ready.
      expect(before).toMatchObject({ reason: 'database unavailable', detail: expect.stringContaining('does not exist yet') });
      expect((await project.manage(['migrate', 'notes', '0001'])).status).toBe(0);
    } else {
      expect(before).toEqual({ reason: 'migrations not applied', detail: expect.stringContaining('6 unapplied migration(s): notes.0001_initial, notes.0002_title, notes.0003_archive, …') });
      expect((await project.manage(['migrate', 'notes', '0001'])).status).toBe(0);
    }
    expect(await readiness(project)).toEqual({ reason: 'migrations not applied', detail: expect.stringContaining('5 unapplied migration(s)') });

    const all = await project.manage(['migrate']);
    expect(all.status, all.output).toBe(0);
    expect(await readiness(project)).toBeNull();

    // A migration file added to the project (the next release) makes it not ready again until migrated.
    project.write('tags/migrations/0003_more.mjs', 'export async function up() {}\nexport async function down() {}\n');
    expect(await readiness(project)).toEqual({ reason: 'migrations not applied', detail: expect.stringMatching(/1 unapplied migration\(s\): tags\.0003_more \(run '\S+ (run )?manage -- migrate'\)$/) });
  });

  it('with READYZ_WAITS_FOR_MIGRATIONS = false, is ready once the database answers, migrated or not', async () => {
    const { project } = await newProject(backend);
    project.write('settings_nowait.mjs', "export * from './settings.mjs';\nexport const READYZ_WAITS_FOR_MIGRATIONS = false;\n");
    project.env.TSGATE_SETTINGS_MODULE = 'settings_nowait';
    if (backend.name === 'sqlite') {
      expect(await readiness(project)).toMatchObject({ reason: 'database unavailable' });
      expect((await project.manage(['migrate', 'notes', '0001'])).status).toBe(0);
    }
    expect(await readiness(project)).toBeNull();
  });

  it('is ready at once for a project without migrations', async () => {
    const { project } = await newProject(backend, { apps: [], files: {} });
    if (backend.name === 'sqlite') expect((await project.manage(['migrate'])).status).toBe(0);
    expect(await readiness(project)).toBeNull();
  });
});
