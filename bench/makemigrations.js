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
 * - Django's `makemigrations` on the same 50 models (a Django project
 *   generated in a temporary folder, never committed) where Debian's
 *   python3-django is installed, its runs alternating with ours so both
 *   see the same load; the ratios of the medians, wall and CPU (user +
 *   system: the machine is shared, CPU time is the steadier figure).
 *
 * Node 20 runs no TypeScript, so the generated migrations (valid
 * JavaScript too) are renamed `.js`, as a build would make them.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './lib/harness.js';
import { writeManageProject } from './lib/manage-project.js';
import { loadAverageNow, machine, machineLine, markdownTable, round, textTable } from './lib/report.js';

export const name = 'makemigrations';
export const description = 'makemigrations on 50 models in 10 apps: no change, one change (wall incl. node start, and CPU, median of 5), migrate from zero; Django 3.2 on the same models in the same run, with the ratios';

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

/**
 * CPU seconds (user + system) used so far by this process's reaped
 * children, from /proc/self/stat (cutime, cstime; USER_HZ = 100): the
 * machine is shared, so CPU time says more than wall time. Null where
 * /proc is not there.
 */
function childrenCpuSeconds() {
  if (process.platform !== 'linux') return null;
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return null;
  }
}

/**
 * Runs a command to completion: wall seconds from spawn to exit and the
 * child's CPU seconds. `ok` lists the exit codes that are not a failure.
 * @param {string} command @param {string[]} args @param {string} cwd @param {number[]} [ok]
 */
function timedCommand(command, args, cwd, ok = [0]) {
  const cpuBefore = childrenCpuSeconds();
  const start = process.hrtime.bigint();
  const run = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, TSGATE_SETTINGS_MODULE: 'settings', DATABASE_URL: 'sqlite:///db.sqlite3', NODE_OPTIONS: '' } });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpuAfter = childrenCpuSeconds();
  if (!ok.includes(run.status ?? -1)) throw new Error(`${command} ${args.join(' ')} failed (${run.status}): ${run.stderr}${run.stdout}`);
  return { seconds, cpu: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore, stdout: run.stdout };
}

/** @param {string} dir @param {string[]} args */
const timed = (dir, args) => timedCommand(process.execPath, ['manage.mjs', ...args], dir);

/** @param {number[]} values */
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

/** @param {{ seconds: number, cpu: number | null }[]} runs */
function summarize(runs) {
  const cpu = runs.map((r) => r.cpu);
  const known = cpu.every((c) => c !== null);
  return {
    samplesSeconds: runs.map((r) => round(r.seconds, 3)),
    medianSeconds: round(median(runs.map((r) => r.seconds)), 3),
    cpuSamplesSeconds: known ? cpu.map((c) => round(c ?? 0, 2)) : null,
    cpuMedianSeconds: known ? round(median(cpu.map((c) => c ?? 0)), 2) : null,
  };
}

/** @param {string} dir */
function renameToJs(dir) {
  for (let app = 0; app < APPS; app++) {
    const folder = join(dir, `app${app}`, 'migrations');
    for (const file of readdirSync(folder)) if (file.endsWith('.ts')) renameSync(join(folder, file), join(folder, file.replace(/\.ts$/, '.js')));
  }
}

/** Debian's python3 with Django (python3-django), or undefined: `python3` on PATH may be another one (pyenv). */
function djangoPython() {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const found = spawnSync(python, ['-c', 'import django; print(django.get_version())'], { encoding: 'utf8' });
    if (found.status === 0) return { python, version: found.stdout.trim() };
  }
  return undefined;
}

/**
 * The same 50 models as a Django project: 10 apps of 5 models, the same
 * fields, foreign keys and index. @param {number} app @param {number} extraField
 */
function djangoModels(app, extraField) {
  const lines = ['from django.db import models', 'from django.utils import timezone', ''];
  for (let m = 0; m < MODELS; m++) {
    lines.push(
      `class Model${m}(models.Model):`,
      '    title = models.CharField(max_length=200)',
      "    body = models.TextField(default='')",
      '    rating = models.IntegerField(null=True)',
      '    created = models.DateTimeField(default=timezone.now)',
      ...(m > 0 ? [`    parent = models.ForeignKey('app${app}.Model${m - 1}', null=True, on_delete=models.CASCADE, related_name='+')`] : []),
      ...(m === 0 && app > 0 ? [`    other = models.ForeignKey('app${app - 1}.Model0', null=True, on_delete=models.CASCADE, related_name='+')`] : []),
      ...(extraField && m === 0 ? ['    extra = models.IntegerField(null=True)'] : []),
      '',
      '    class Meta:',
      "        indexes = [models.Index(fields=['created'])]",
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** A Django project in `dir` (a temporary folder, never committed): manage.py, settings, the 10 apps. @param {string} dir */
function writeDjangoProject(dir) {
  const apps = Array.from({ length: APPS }, (_, app) => `app${app}`);
  writeFileSync(
    join(dir, 'manage.py'),
    "import os, sys\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'settings')\nfrom django.core.management import execute_from_command_line\nexecute_from_command_line(sys.argv)\n",
  );
  writeFileSync(
    join(dir, 'settings.py'),
    `SECRET_KEY = 'bench'\nDEBUG = True\nUSE_TZ = True\nINSTALLED_APPS = ${JSON.stringify(apps)}\nDATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': 'db.sqlite3'}}\nDEFAULT_AUTO_FIELD = 'django.db.models.AutoField'\n`,
  );
  for (let app = 0; app < APPS; app++) {
    mkdirSync(join(dir, `app${app}`, 'migrations'), { recursive: true });
    writeFileSync(join(dir, `app${app}`, '__init__.py'), '');
    writeFileSync(join(dir, `app${app}`, 'migrations', '__init__.py'), '');
    writeFileSync(join(dir, `app${app}`, 'models.py'), djangoModels(app, 0));
  }
}

/** @param {import('./lib/harness.js').BenchOptions} _options */
export async function run(_options) {
  const dir = mkdtempSync(join(tmpdir(), 'tsgate-bench-makemigrations-'));
  const djangoDir = mkdtempSync(join(tmpdir(), 'tsgate-bench-makemigrations-django-'));
  try {
    const apps = Array.from({ length: APPS }, (_, app) => `app${app}`);
    writeManageProject(dir, `export const BASE_DIR = ${JSON.stringify(dir)};\nexport const DEBUG = true;\nexport const INSTALLED_APPS = ${JSON.stringify(apps)};\nexport const ROOT_URLCONF = 'urls';\nexport const WSGI_APPLICATION = 'wsgi:application';\nexport const DATABASES = { default: { URL: process.env.DATABASE_URL } };\n`);
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(join(ROOT, 'build', 'tsgate'), join(dir, 'node_modules', 'tsgate'), 'dir');
    for (let app = 0; app < APPS; app++) {
      mkdirSync(join(dir, `app${app}`));
      writeFileSync(join(dir, `app${app}`, 'models.js'), modelsSource(app, 0));
    }
    const django = djangoPython();
    if (django) writeDjangoProject(djangoDir);
    /** @param {string[]} args @param {number[]} [ok] */
    const djangoRun = (args, ok) => timedCommand(/** @type {{ python: string }} */ (django).python, ['manage.py', ...args], djangoDir, ok);

    const nodeStart = Array.from({ length: RUNS }, () => timedCommand(process.execPath, ['-e', ''], dir));
    const pythonStart = django ? Array.from({ length: RUNS }, () => timedCommand(django.python, ['-c', ''], dir)) : [];
    const initial = timed(dir, ['makemigrations', '--noinput']);
    renameToJs(dir);
    const djangoInitial = django ? djangoRun(['makemigrations', '--noinput']) : undefined;

    // Ours and Django's alternate, run by run, so both see the same load.
    /** @type {{ seconds: number, cpu: number | null }[]} */
    const noChange = [];
    /** @type {{ seconds: number, cpu: number | null }[]} */
    const djangoNoChange = [];
    /** @type {{ seconds: number, cpu: number | null }[]} */
    const oneChange = [];
    /** @type {{ seconds: number, cpu: number | null }[]} */
    const djangoOneChange = [];
    for (let i = 0; i < RUNS; i++) {
      noChange.push(timed(dir, ['makemigrations', '--check']));
      // Django 3.2's --check writes the migration unless --dry-run is given too.
      if (django) djangoNoChange.push(djangoRun(['makemigrations', '--check', '--dry-run']));
    }
    writeFileSync(join(dir, 'app3', 'models.js'), modelsSource(3, 1));
    if (django) writeFileSync(join(djangoDir, 'app3', 'models.py'), djangoModels(3, 1));
    for (let i = 0; i < RUNS; i++) {
      oneChange.push(timed(dir, ['makemigrations', '--dry-run', '--noinput']));
      if (django) djangoOneChange.push(djangoRun(['makemigrations', '--dry-run', '--noinput']));
    }
    writeFileSync(join(dir, 'app3', 'models.js'), modelsSource(3, 0));
    if (django) writeFileSync(join(djangoDir, 'app3', 'models.py'), djangoModels(3, 0));
    const migrate = timed(dir, ['migrate', '--noinput']);
    const applied = (migrate.stdout.match(/\.\.\. OK/g) ?? []).length;
    const djangoMigrate = django ? djangoRun(['migrate', '--noinput']) : undefined;

    const ours = { noChange: summarize(noChange), oneChange: summarize(oneChange) };
    /** @param {{ medianSeconds: number, cpuMedianSeconds: number | null }} a @param {{ medianSeconds: number, cpuMedianSeconds: number | null }} b */
    const ratio = (a, b) => ({ wall: round(a.medianSeconds / b.medianSeconds, 2), cpu: a.cpuMedianSeconds && b.cpuMedianSeconds ? round(a.cpuMedianSeconds / b.cpuMedianSeconds, 2) : null });
    const djangoResult = django && djangoInitial && djangoMigrate
      ? {
          status: 'measured',
          version: django.version,
          python: django.python,
          pythonStart: summarize(pythonStart),
          initialSeconds: round(djangoInitial.seconds, 3),
          noChange: summarize(djangoNoChange),
          oneChange: summarize(djangoOneChange),
          migrateFromZero: { seconds: round(djangoMigrate.seconds, 3), cpuSeconds: djangoMigrate.cpu },
        }
      : { status: 'skipped: python3-django is not installed' };
    const result = {
      name,
      description,
      machine: machine(),
      loadAverage: loadAverageNow(),
      models: APPS * MODELS,
      apps: APPS,
      initialSeconds: round(initial.seconds, 3),
      nodeStart: summarize(nodeStart),
      nodeStartMedianSeconds: round(median(nodeStart.map((r) => r.seconds)), 3),
      noChange: { ...ours.noChange, bar: BARS.noChange },
      oneChange: { ...ours.oneChange, bar: BARS.oneChange },
      migrateFromZero: { seconds: round(migrate.seconds, 3), cpuSeconds: migrate.cpu, applied },
      django: djangoResult,
      ratioToDjango:
        'noChange' in djangoResult && djangoResult.noChange && djangoResult.oneChange
          ? { noChange: ratio(ours.noChange, djangoResult.noChange), oneChange: ratio(ours.oneChange, djangoResult.oneChange) }
          : null,
      pass: ours.noChange.medianSeconds <= BARS.noChange && ours.oneChange.medianSeconds <= BARS.oneChange,
    };
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(djangoDir, { recursive: true, force: true });
  }
}

/** @param {{ medianSeconds: number, cpuMedianSeconds: number | null } | undefined} t */
const cell = (t) => (t ? `${t.medianSeconds} s (CPU ${t.cpuMedianSeconds ?? 'n/a'} s)` : 'n/a');

/** @param {any} r */
const rows = (r) => {
  const d = r.django.status === 'measured' ? r.django : undefined;
  const x = r.ratioToDjango;
  return [
    ['makemigrations, no change (median)', cell(r.noChange), cell(d?.noChange), x ? `${x.noChange.wall} (CPU ${x.noChange.cpu ?? 'n/a'})` : '', `≤ ${r.noChange.bar} s`],
    ['makemigrations, one change (median)', cell(r.oneChange), cell(d?.oneChange), x ? `${x.oneChange.wall} (CPU ${x.oneChange.cpu ?? 'n/a'})` : '', `≤ ${r.oneChange.bar} s`],
    ['makemigrations, initial (10 files)', `${r.initialSeconds} s`, d ? `${d.initialSeconds} s` : 'n/a', '', ''],
    [`migrate from zero (${r.migrateFromZero.applied} migrations, SQLite)`, `${r.migrateFromZero.seconds} s (CPU ${r.migrateFromZero.cpuSeconds === null ? 'n/a' : round(r.migrateFromZero.cpuSeconds, 2)} s)`, d ? `${d.migrateFromZero.seconds} s (CPU ${d.migrateFromZero.cpuSeconds === null ? 'n/a' : round(d.migrateFromZero.cpuSeconds, 2)} s)` : 'n/a', '', ''],
    ['interpreter start (node -e "" / python3 -c "")', cell(r.nodeStart), cell(d?.pythonStart), '', ''],
  ];
};

const HEAD = ['', 'tsgate wall (CPU)', 'Django wall (CPU)', 'ratio tsgate/Django', 'bar'];

/** @param {any} r */
const djangoLine = (r) => (r.django.status === 'measured' ? `Django ${r.django.version} (${r.django.python}) on the same 50 models, its runs alternating with ours` : `Django: ${r.django.status}`);

/** @param {any} r */
export function summary(r) {
  return `${textTable(HEAD, rows(r))}\n${r.pass ? 'PASS' : 'FAIL'} (${r.models} models, ${r.apps} apps; ${djangoLine(r)}; ${machineLine(r.machine)}; load ${r.loadAverage.join(' ')})`;
}

/** @param {any} r */
export function markdown(r) {
  return `# makemigrations\n\n${description}\n\n${markdownTable(HEAD, rows(r))}\n\n${r.pass ? 'PASS' : 'FAIL'} — ${djangoLine(r)}; wall from spawn to exit, CPU = the child's user + system time (/proc/self/stat cutime + cstime, 10 ms resolution), medians of ${RUNS}; ${machineLine(r.machine)}, load ${r.loadAverage.join(' ')}\n`;
}
