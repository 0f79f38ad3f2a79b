// @ts-check
/**
 * Whole commands against their Django anchors, paired in one run (A B, B A,
 * …), wall and CPU time of each spawned command:
 *
 * - `create-tsgate-project proj --yes --no-install --no-git` vs
 *   `django-admin startproject proj` (Debian's Django 3.2; 'site' is a Python module), each in a new
 *   empty folder;
 * - cold `collectstatic --noinput` of the 10k-file make-static-tree.py tree
 *   into a new STATIC_ROOT: tsgate (brotli 9, its default, and 11,
 *   whitenoise's) vs Django with whitenoise's
 *   CompressedManifestStaticFilesStorage and with Django's plain
 *   StaticFilesStorage (a copy). No output is deleted until the end: on this
 *   machine's ext4 (no journal) creating files within ~30 s of deleting a
 *   tree costs up to 0.5 ms of system time each (staticfiles/unchanged.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR, ROOT } from './lib/harness.js';
import { anchorEnv, ensureAnchorPackages, PYTHON } from './lib/django-anchor.js';
import { writeStaticTreeProject } from './lib/manage-project.js';
import { loadAverageNow, machine, markdownTable, reportHeader, round, textTable } from './lib/report.js';

export const name = 'anchor-commands';
export const description =
  'same-run ratios of whole commands: create-tsgate-project vs django-admin startproject; cold collectstatic of the 10k-file tree vs whitenoise CompressedManifestStaticFilesStorage and Django plain copy';

const GENERATE_ROUNDS = 10;
const FILES = 10000;

/** User + system seconds of this process's reaped children so far (Linux). */
function childrenCpu() {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
  return { user: Number(fields[13]) / 100, system: Number(fields[14]) / 100 };
}

/**
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd: string, env?: NodeJS.ProcessEnv }} where
 */
function timed(command, args, { cwd, env = process.env }) {
  const before = childrenCpu();
  const started = performance.now();
  const child = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = (performance.now() - started) / 1000;
  const after = childrenCpu();
  if (child.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${child.status}:\n${child.stdout}\n${child.stderr}`);
  return { seconds: round(seconds, 3), cpu: round(after.user + after.system - before.user - before.system, 2), system: round(after.system - before.system, 2) };
}

/** @param {number[]} values */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/**
 * Runs each of `commands` once per round, the order alternating, and
 * returns each one's runs and each one's per-round ratio to the last.
 * @param {Record<string, (round: number) => { seconds: number, cpu: number, system: number }>} commands
 * @param {number} rounds
 */
function paired(commands, rounds) {
  const names = Object.keys(commands);
  /** @type {Record<string, { seconds: number, cpu: number, system: number }[]>} */
  const runs = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (const n of r % 2 === 0 ? names : [...names].reverse()) {
      const run = /** @type {(round: number) => { seconds: number, cpu: number, system: number }} */ (commands[n])(r);
      process.stderr.write(`  [${r + 1}/${rounds}] ${n}: ${run.seconds} s (CPU ${run.cpu}, system ${run.system})\n`);
      runs[n]?.push(run);
    }
  }
  return names.map((n) => ({
    command: n,
    wallMedian: round(median((runs[n] ?? []).map((r) => r.seconds)), 3),
    cpuMedian: round(median((runs[n] ?? []).map((r) => r.cpu)), 2),
    systemMedian: round(median((runs[n] ?? []).map((r) => r.system)), 2),
    runs: runs[n] ?? [],
  }));
}

/**
 * @param {ReturnType<typeof paired>} rows
 * @param {string} subject
 * @param {string} baseline
 */
function ratio(rows, subject, baseline) {
  const a = rows.find((r) => r.command === subject)?.runs ?? [];
  const b = rows.find((r) => r.command === baseline)?.runs ?? [];
  const wall = a.map((run, i) => round(run.seconds / (b[i]?.seconds ?? NaN), 3));
  const cpu = a.map((run, i) => round(run.cpu / (b[i]?.cpu ?? NaN), 3));
  return { subject, baseline, wallMedian: round(median(wall), 3), wallPerRound: wall, cpuMedian: round(median(cpu), 3) };
}

/** @param {import('./lib/harness.js').BenchOptions} options */
export async function run(options) {
  const django = ensureAnchorPackages();
  const rounds = Math.max(2, options.rounds ?? 2);
  const loadAverage = loadAverageNow();
  const dir = mkdtempSync(join(tmpdir(), 'tsgate-bench-anchor-commands-'));
  try {
    // Generation: each command in a new empty folder.
    let n = 0;
    const fresh = () => mkdtempSync(join(dir, `gen-${n++}-`));
    const generate = paired(
      {
        'create-tsgate-project --yes --no-install --no-git': () => timed(process.execPath, [join(ROOT, 'cli', 'create-tsgate-project.js'), 'proj', '--yes', '--no-install', '--no-git'], { cwd: fresh() }),
        'django-admin startproject': () => timed(PYTHON, ['-m', 'django', 'startproject', 'proj'], { cwd: fresh() }),
      },
      GENERATE_ROUNDS,
    );

    // collectstatic: the same tree, new STATIC_ROOTs.
    const { tree, project } = writeStaticTreeProject(dir, FILES);
    const anchor = join(BENCH_DIR, 'anchors', 'django');
    spawnSync('sync');
    const root = (/** @type {string} */ label, /** @type {number} */ r) => join(dir, `out-${label}-${r}`);
    const tsgate = (/** @type {string[]} */ extra, /** @type {string} */ label) => (/** @type {number} */ r) =>
      timed(process.execPath, ['manage.mjs', 'collectstatic', '--noinput', ...extra], { cwd: project, env: { ...process.env, NODE_ENV: 'production', BENCH_STATIC_ROOT: root(label, r) } });
    const djangoCollect = (/** @type {string} */ storage, /** @type {string} */ label) => (/** @type {number} */ r) =>
      timed(PYTHON, ['manage.py', 'collectstatic', '--noinput', '-v0', '--settings', storage], { cwd: anchor, env: anchorEnv(join(dir, 'django'), [tree], root(label, r)) });
    const collect = paired(
      {
        'tsgate collectstatic (brotli 9, default)': tsgate([], 'tsgate'),
        'tsgate collectstatic --brotli-quality 11': tsgate(['--brotli-quality', '11'], 'tsgate11'),
        'Django plain copy (StaticFilesStorage)': djangoCollect('anchor.settings_plain', 'plain'),
        'Django + whitenoise CompressedManifestStaticFilesStorage': djangoCollect('anchor.settings', 'whitenoise'),
      },
      rounds,
    );
    const whitenoise = 'Django + whitenoise CompressedManifestStaticFilesStorage';
    const result = {
      name,
      description,
      ...machine(),
      loadAverage,
      loadAverageEnd: loadAverageNow(),
      params: { generateRounds: GENERATE_ROUNDS, collectRounds: rounds, files: FILES, django },
      generate,
      collect,
      ratios: [
        ratio(generate, 'create-tsgate-project --yes --no-install --no-git', 'django-admin startproject'),
        ratio(collect, 'tsgate collectstatic (brotli 9, default)', whitenoise),
        ratio(collect, 'tsgate collectstatic --brotli-quality 11', whitenoise),
        ratio(collect, 'tsgate collectstatic (brotli 9, default)', 'Django plain copy (StaticFilesStorage)'),
      ],
      pass: true,
    };
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const HEAD = ['command', 'wall s (median)', 'CPU s', 'of which system', 'per round wall s'];
const RATIO_HEAD = ['time ratio (below 1: the first is faster)', 'wall median', 'wall per round', 'CPU median'];

/** @param {Awaited<ReturnType<typeof run>>} result */
const rows = (result) => [...result.generate, ...result.collect].map((r) => [r.command, r.wallMedian, r.cpuMedian, r.systemMedian, r.runs.map((x) => x.seconds).join(', ')]);
/** @param {Awaited<ReturnType<typeof run>>} result */
const ratioRows = (result) => result.ratios.map((r) => [`${r.subject} ÷ ${r.baseline}`, `${r.wallMedian}×`, r.wallPerRound.join(', '), `${r.cpuMedian}×`]);

/** @param {Awaited<ReturnType<typeof run>>} result */
export function summary(result) {
  return `${textTable(HEAD, rows(result))}\n\n${textTable(RATIO_HEAD, ratioRows(result))}`;
}

/** @param {Awaited<ReturnType<typeof run>>} result */
export function markdown(result) {
  return `# anchor-commands

${result.description}.

${reportHeader(result, { note: 'a shared machine: only same-round ratios mean anything' })}
- generation: ${result.params.generateRounds} rounds, collectstatic: ${result.params.collectRounds} rounds of ${result.params.files} files, the order alternating per round; Django ${result.params.django} from Debian; wall from spawn to exit, CPU = user + system of the command

${markdownTable(HEAD, rows(result))}

${markdownTable(RATIO_HEAD, ratioRows(result))}
`;
}
