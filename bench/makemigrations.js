// @ts-check
/**
 * Issue 15, the makemigrations benchmark: a project of 10 apps with 5
 * models each (50 models, foreign keys within and across apps), its
 * migrations written once by makemigrations, then
 *
 * - `makemigrations` with no change (wall from spawn to exit, node's start
 *   included; median of 5): bar ≤ 0.5 s;
 * - `makemigrations --dry-run` after one field is added (median of 5):
 *   bar ≤ 0.7 s;
 * - `migrate` from zero on SQLite (one run), informational;
 * - Django's `makemigrations --check` on the same 50 models where Debian's
 *   python3-django is installed, with the ratio; recorded as skipped
 *   otherwise.
 *
 * Node 20 runs no TypeScript, so the generated migrations (valid
 * JavaScript too) are renamed `.js`, as a build would make them.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './lib/harness.js';
import { writeManageProject } from './lib/manage-project.js';
import { loadAverageNow, machine, machineLine, markdownTable, round, textTable } from './lib/report.js';

export const name = 'makemigrations';
export const description = 'makemigrations on 50 models in 10 apps: no change, one change (wall incl. node start, median of 5), migrate from zero; Django on the same models when installed';

const APPS = 10;
const MODELS = 5;
const RUNS = 5;
const BARS = { noChange: 0.5, oneChange: 0.7 };

/** @param {number} app @param {number} extraField */
function modelsSource(app, extraField) {
  const lines = ["import { field, model } from 'tsgate/db';"];
  for (let m = 0; m < MODELS; m++) {
    const fields = [
      '  id: field.id(),',
      '  title: field.varchar(200),',
      "  body: field.text({ default: '' }),",
      '  rating: field.integer({ null: true }),',
      "  created: field.timestamp({ default: 'now' }),",
      ...(m > 0 ? [`  parent: field.foreignKey('app${app}_model${m - 1}', { null: true }),`] : []),
      ...(m === 0 && app > 0 ? [`  other: field.foreignKey('app${app - 1}_model0', { null: true }),`] : []),
      ...(extraField && m === 0 ? ['  extra: field.integer({ null: true }),'] : []),
    ];
    lines.push(`export const Model${m} = model('app${app}_model${m}', {\n${fields.join('\n')}\n}, { indexes: [['created']] });`);
  }
  return `${lines.join('\n')}\n`;
}

/** @param {string} dir @param {string[]} args */
function timed(dir, args) {
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, ['manage.mjs', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, TSGATE_SETTINGS_MODULE: 'settings', DATABASE_URL: 'sqlite:///db.sqlite3' } });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (run.status !== 0) throw new Error(`manage ${args.join(' ')} failed (${run.status}): ${run.stderr}${run.stdout}`);
  return { seconds, stdout: run.stdout };
}

/** @param {number[]} values */
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

/** @param {string} dir */
function renameToJs(dir) {
  for (let app = 0; app < APPS; app++) {
    const folder = join(dir, `app${app}`, 'migrations');
    for (const file of readdirSync(folder)) if (file.endsWith('.ts')) renameSync(join(folder, file), join(folder, file.replace(/\.ts$/, '.js')));
  }
}

function djangoAvailable() {
  return spawnSync('python3', ['-c', 'import django'], { encoding: 'utf8' }).status === 0;
}

/** @param {import('./lib/harness.js').BenchOptions} _options */
export async function run(_options) {
  const dir = mkdtempSync(join(tmpdir(), 'tsgate-bench-makemigrations-'));
  try {
    const apps = Array.from({ length: APPS }, (_, app) => `app${app}`);
    writeManageProject(dir, `export const BASE_DIR = ${JSON.stringify(dir)};\nexport const DEBUG = true;\nexport const INSTALLED_APPS = ${JSON.stringify(apps)};\nexport const ROOT_URLCONF = 'urls';\nexport const WSGI_APPLICATION = 'wsgi:application';\nexport const DATABASES = { default: { URL: process.env.DATABASE_URL } };\n`);
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(join(ROOT, 'build', 'tsgate'), join(dir, 'node_modules', 'tsgate'), 'dir');
    for (let app = 0; app < APPS; app++) {
      mkdirSync(join(dir, `app${app}`));
      writeFileSync(join(dir, `app${app}`, 'models.js'), modelsSource(app, 0));
    }
    const nodeStart = Array.from({ length: RUNS }, () => {
      const start = process.hrtime.bigint();
      spawnSync(process.execPath, ['-e', '']);
      return Number(process.hrtime.bigint() - start) / 1e9;
    });
    const initial = timed(dir, ['makemigrations', '--noinput']);
    renameToJs(dir);
    const noChange = Array.from({ length: RUNS }, () => timed(dir, ['makemigrations', '--check']).seconds);
    writeFileSync(join(dir, 'app3', 'models.js'), modelsSource(3, 1));
    const oneChange = Array.from({ length: RUNS }, () => timed(dir, ['makemigrations', '--dry-run', '--noinput']).seconds);
    writeFileSync(join(dir, 'app3', 'models.js'), modelsSource(3, 0));
    const migrate = timed(dir, ['migrate', '--noinput']);
    const applied = (migrate.stdout.match(/\.\.\. OK/g) ?? []).length;
    const result = {
      name,
      description,
      machine: machine(),
      loadAverage: loadAverageNow(),
      models: APPS * MODELS,
      apps: APPS,
      initialSeconds: round(initial.seconds, 3),
      nodeStartMedianSeconds: round(median(nodeStart), 3),
      noChange: { samplesSeconds: noChange.map((s) => round(s, 3)), medianSeconds: round(median(noChange), 3), bar: BARS.noChange },
      oneChange: { samplesSeconds: oneChange.map((s) => round(s, 3)), medianSeconds: round(median(oneChange), 3), bar: BARS.oneChange },
      migrateFromZero: { seconds: round(migrate.seconds, 3), applied },
      django: djangoAvailable() ? { status: 'not measured: the Django project generator is not written yet' } : { status: 'skipped: python3-django is not installed' },
      pass: median(noChange) <= BARS.noChange && median(oneChange) <= BARS.oneChange,
    };
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** @param {any} r */
const rows = (r) => [
  ['makemigrations, no change (median)', `${r.noChange.medianSeconds} s`, `≤ ${r.noChange.bar} s`],
  ['makemigrations, one change (median)', `${r.oneChange.medianSeconds} s`, `≤ ${r.oneChange.bar} s`],
  ['makemigrations, initial (10 files)', `${r.initialSeconds} s`, ''],
  [`migrate from zero (${r.migrateFromZero.applied} migrations, SQLite)`, `${r.migrateFromZero.seconds} s`, ''],
  ['node -e "" (baseline, median)', `${r.nodeStartMedianSeconds} s`, ''],
  ['Django makemigrations', r.django.status, ''],
];

/** @param {any} r */
export function summary(r) {
  return `${textTable(['', 'wall', 'bar'], rows(r))}\n${r.pass ? 'PASS' : 'FAIL'} (${r.models} models, ${r.apps} apps; ${machineLine(r.machine)}; load ${r.loadAverage.join(' ')})`;
}

/** @param {any} r */
export function markdown(r) {
  return `# makemigrations\n\n${description}\n\n${markdownTable(['', 'wall', 'bar'], rows(r))}\n\n${r.pass ? 'PASS' : 'FAIL'} — ${machineLine(r.machine)}, load ${r.loadAverage.join(' ')}\n`;
}
