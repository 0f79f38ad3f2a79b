// @ts-check
/**
 * The collectstatic bars (docs/architecture.md, Quality bars), as same-run
 * ratios: `collectstatic --noinput` of the 10k-file tree that
 * make-static-tree.py (in ../shared, beside the repository) writes — a third
 * CSS with url() references, a third JS, a third binary images — cold into a
 * new STATIC_ROOT, by
 * - tsgate at its default brotli quality (9),
 * - tsgate at `--brotli-quality 11` (whitenoise's quality),
 * - tsgate with STATICFILES_KEEP_ONLY_HASHED = true,
 * - Django 3.2 + whitenoise's CompressedManifestStaticFilesStorage (brotli 11,
 *   gzip 9, every original and hashed file compressed),
 * - the same with WHITENOISE_KEEP_ONLY_HASHED_FILES = True,
 * - Django's plain StaticFilesStorage (a copy: the floor),
 * in each round, the order alternating (A B C …, … C B A); then tsgate's
 * no-op rerun over its default-quality root, and a rerun after touching 10
 * files. Debian's python3-django, python3-whitenoise and python3-brotli
 * (installed by the bench when missing, never by the tests).
 *
 * Each command's wall time (spawn to exit, interpreter start-up included, as
 * a deploy waits for it) and its user and system CPU seconds (cutime and
 * cstime of this process from /proc/self/stat: Linux, 10 ms resolution). On
 * the shared 2-core machine the wall time swings with other work; CPU
 * seconds are steadier, and their ratio is reported beside the wall ratio.
 * tsgate compresses on both cores, whitenoise on one: the wall ratio holds
 * that, the CPU ratio does not.
 *
 * Nothing is deleted until the end: on this machine's ext4 (no journal)
 * creating files within ~30 s of deleting a tree costs up to 0.5 ms of
 * system time each (staticfiles/unchanged.ts); dirty pages are flushed
 * (`sync`, not timed) before each command.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR } from './lib/harness.js';
import { anchorEnv, ensureAnchorPackages, PYTHON } from './lib/django-anchor.js';
import { writeStaticTreeProject } from './lib/manage-project.js';
import { loadAverageNow, machine, markdownTable, reportHeader, round, textTable } from './lib/report.js';

export const name = 'static-collect';
export const description =
  'cold collectstatic --noinput of the 10k-file make-static-tree.py tree: tsgate (brotli 9, brotli 11, keep-only-hashed) vs Django + whitenoise CompressedManifestStaticFilesStorage (and with KEEP_ONLY_HASHED_FILES) and Django plain copy, same run, interleaved; tsgate no-op rerun and 10 files touched';

const FILES = 10000;
const TOUCHED = 10;
const BAR_DEFAULT_RATIO = 5;
const BAR_EQUAL_RATIO = 3;
const BAR_NOOP_S = 1;

const T9 = 'tsgate (brotli 9, default)';
const T11 = 'tsgate --brotli-quality 11';
const TKEEP = 'tsgate STATICFILES_KEEP_ONLY_HASHED';
const WN = 'whitenoise CompressedManifest (brotli 11)';
const WNKEEP = 'whitenoise KEEP_ONLY_HASHED_FILES';
const PLAIN = 'Django plain copy';

/**
 * @typedef {object} Timed
 * @property {number} seconds  wall time, spawn to exit
 * @property {number} user  user CPU seconds of the child
 * @property {number} system  system CPU seconds of the child
 * @property {number} cpu  user + system
 */

/** User and system CPU seconds of this process's reaped children so far (Linux). */
function childrenCpu() {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
  return { user: Number(fields[13]) / 100, system: Number(fields[14]) / 100 };
}

/**
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd: string, env: NodeJS.ProcessEnv }} where
 * @returns {Timed}
 */
function timed(command, args, { cwd, env }) {
  spawnSync('sync');
  const before = childrenCpu();
  const started = performance.now();
  const child = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = (performance.now() - started) / 1000;
  const after = childrenCpu();
  if (child.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${child.status}:\n${child.stdout}\n${child.stderr}`);
  const user = round(after.user - before.user, 2);
  const system = round(after.system - before.system, 2);
  return { seconds: round(seconds, 2), user, system, cpu: round(user + system, 2) };
}

/** @param {number[]} values */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** Every file under `dir`, sorted. @param {string} dir */
function listFiles(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** Count and total bytes of the `.br` files under `dir`. @param {string} dir */
function brotliFiles(dir) {
  const files = listFiles(dir).filter((file) => file.endsWith('.br'));
  return { count: files.length, bytes: files.reduce((n, file) => n + statSync(file).size, 0) };
}

/**
 * @param {Record<string, Timed[]>} runs
 * @param {string} slower  the anchor
 * @param {string} faster  tsgate
 */
function speedup(runs, slower, faster) {
  const a = runs[slower] ?? [];
  const b = runs[faster] ?? [];
  const wall = a.map((run, i) => round(run.seconds / (b[i]?.seconds ?? NaN), 2));
  const cpu = a.map((run, i) => round(run.cpu / (b[i]?.cpu ?? NaN), 2));
  return { slower, faster, wallMedian: round(median(wall), 2), wallPerRound: wall, cpuMedian: round(median(cpu), 2), cpuPerRound: cpu };
}

/** @param {import('./lib/harness.js').BenchOptions} options */
export async function run(options) {
  const django = ensureAnchorPackages();
  const rounds = Math.max(1, options.rounds ?? 2);
  const loadAverage = loadAverageNow();
  const dir = mkdtempSync(join(tmpdir(), 'tsgate-bench-static-'));
  try {
    const { tree, project } = writeStaticTreeProject(dir, FILES, "export const STATICFILES_KEEP_ONLY_HASHED = process.env.BENCH_KEEP_ONLY_HASHED === '1';\n");
    const anchor = join(BENCH_DIR, 'anchors', 'django');
    const out = (/** @type {string} */ label, /** @type {number | string} */ r) => join(dir, `out-${label}-${r}`);
    const tsgate = (/** @type {string} */ root, /** @type {string[]} */ extra = [], keep = false) =>
      timed(process.execPath, ['manage.mjs', 'collectstatic', '--noinput', ...extra], {
        cwd: project,
        env: { ...process.env, NODE_ENV: 'production', BENCH_STATIC_ROOT: root, BENCH_KEEP_ONLY_HASHED: keep ? '1' : '0' },
      });
    const djangoCollect = (/** @type {string} */ settings, /** @type {string} */ root) =>
      timed(PYTHON, ['manage.py', 'collectstatic', '--noinput', '-v0', '--settings', settings], { cwd: anchor, env: anchorEnv(join(dir, 'django'), [tree], root) });
    /** @type {Record<string, (r: number) => Timed>} */
    const commands = {
      [T9]: (r) => tsgate(out('t9', r)),
      [T11]: (r) => tsgate(out('t11', r), ['--brotli-quality', '11']),
      [TKEEP]: (r) => tsgate(out('tkeep', r), [], true),
      [WN]: (r) => djangoCollect('anchor.settings', out('wn', r)),
      [WNKEEP]: (r) => djangoCollect('anchor.settings_keep_hashed', out('wnkeep', r)),
      [PLAIN]: (r) => djangoCollect('anchor.settings_plain', out('plain', r)),
    };

    // Unmeasured: the tree and both interpreters' files into the page cache.
    process.stderr.write('  warm-up (tsgate cold, Django plain copy)…\n');
    tsgate(out('t9', 'warmup'));
    djangoCollect('anchor.settings_plain', out('plain', 'warmup'));

    const names = Object.keys(commands);
    /** @type {Record<string, Timed[]>} */
    const runs = Object.fromEntries([...names, 'no-op rerun', `${TOUCHED} files touched`].map((n) => [n, []]));
    const sources = listFiles(tree);
    for (let r = 0; r < rounds; r++) {
      for (const n of r % 2 === 0 ? names : [...names].reverse()) {
        const result = /** @type {(r: number) => Timed} */ (commands[n])(r);
        process.stderr.write(`  [${r + 1}/${rounds}] ${n}: ${result.seconds} s (user ${result.user}, system ${result.system})\n`);
        runs[n]?.push(result);
      }
      const noop = tsgate(out('t9', r));
      runs['no-op rerun']?.push(noop);
      const now = new Date();
      for (let i = 0; i < TOUCHED; i++) {
        const file = /** @type {string} */ (sources[Math.floor((i * sources.length) / TOUCHED) + r]);
        utimesSync(file, now, now);
      }
      const touched = tsgate(out('t9', r));
      runs[`${TOUCHED} files touched`]?.push(touched);
      process.stderr.write(`  [${r + 1}/${rounds}] no-op rerun ${noop.seconds} s, ${TOUCHED} touched ${touched.seconds} s\n`);
    }

    const rows = Object.entries(runs).map(([command, list]) => ({
      command,
      wallMedian: round(median(list.map((t) => t.seconds)), 2),
      userMedian: round(median(list.map((t) => t.user)), 2),
      systemMedian: round(median(list.map((t) => t.system)), 2),
      cpuMedian: round(median(list.map((t) => t.cpu)), 2),
      runs: list,
    }));
    const ratios = {
      default: speedup(runs, WN, T9),
      equalQuality: speedup(runs, WN, T11),
      keepOnlyHashed: speedup(runs, WNKEEP, TKEEP),
      plainCopy: speedup(runs, PLAIN, T9),
    };
    /** @type {Record<string, { count: number, bytes: number }>} */
    const brotli = { [T9]: brotliFiles(out('t9', 0)), [T11]: brotliFiles(out('t11', 0)), [WN]: brotliFiles(out('wn', 0)), [TKEEP]: brotliFiles(out('tkeep', 0)), [WNKEEP]: brotliFiles(out('wnkeep', 0)) };
    const outputs = Object.fromEntries([['t9', T9], ['tkeep', TKEEP], ['wn', WN], ['wnkeep', WNKEEP], ['plain', PLAIN]].map(([label, command]) => [command, listFiles(out(label ?? '', 0)).length]));
    const noopSeconds = rows.find((row) => row.command === 'no-op rerun')?.wallMedian ?? NaN;
    const passDefault = ratios.default.wallMedian >= BAR_DEFAULT_RATIO;
    const passEqual = ratios.equalQuality.wallMedian >= BAR_EQUAL_RATIO;
    const passNoop = noopSeconds <= BAR_NOOP_S;
    return {
      name,
      description,
      ...machine(),
      loadAverage,
      loadAverageEnd: loadAverageNow(),
      params: { files: FILES, touched: TOUCHED, rounds, django },
      rows,
      ratios,
      brotli,
      outputs,
      noopSeconds,
      bars: { defaultRatio: BAR_DEFAULT_RATIO, equalQualityRatio: BAR_EQUAL_RATIO, noopSeconds: BAR_NOOP_S },
      passDefault,
      passEqual,
      passNoop,
      pass: passDefault && passEqual && passNoop,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const HEAD = ['command', 'wall s (median)', 'user s', 'system s', 'CPU s', 'per round: wall (user + system)'];
const RATIO_HEAD = ['anchor ÷ tsgate (above 1: tsgate is faster)', 'wall median', 'wall per round', 'CPU median', 'CPU per round'];

/** @param {Awaited<ReturnType<typeof run>>} result */
const rows = (result) => result.rows.map((r) => [r.command, r.wallMedian, r.userMedian, r.systemMedian, r.cpuMedian, r.runs.map((t) => `${t.seconds} (${t.user} + ${t.system})`).join(', ')]);
/** @param {Awaited<ReturnType<typeof run>>} result */
const ratioRows = (result) =>
  Object.values(result.ratios).map((r) => [`${r.slower} ÷ ${r.faster}`, `${r.wallMedian}×`, r.wallPerRound.join(', '), `${r.cpuMedian}×`, r.cpuPerRound.join(', ')]);

/** @param {Awaited<ReturnType<typeof run>>} result */
function verdicts(result) {
  const { ratios, bars, brotli } = result;
  const br = (/** @type {string} */ command) => `${brotli[command]?.bytes ?? 'n/a'} bytes in ${brotli[command]?.count ?? 'n/a'} files`;
  return [
    `cold at the default quality: whitenoise ÷ tsgate ${ratios.default.wallMedian}× wall (bar ≥ ${bars.defaultRatio}×), ${ratios.default.cpuMedian}× CPU: ${result.passDefault ? 'PASS' : 'FAIL'}`,
    `cold at equal quality (brotli 11): ${ratios.equalQuality.wallMedian}× wall (bar ≥ ${bars.equalQualityRatio}×), ${ratios.equalQuality.cpuMedian}× CPU: ${result.passEqual ? 'PASS' : 'FAIL'}`,
    `keep-only-hashed on both: ${ratios.keepOnlyHashed.wallMedian}× wall, ${ratios.keepOnlyHashed.cpuMedian}× CPU (reported)`,
    `no-op rerun ${result.noopSeconds} s (bar ≤ ${bars.noopSeconds} s): ${result.passNoop ? 'PASS' : 'FAIL'}`,
    `.br output: tsgate brotli 9 ${br(T9)}; tsgate brotli 11 ${br(T11)}; whitenoise ${br(WN)}; keep-only-hashed: tsgate ${br(TKEEP)}, whitenoise ${br(WNKEEP)}`,
  ];
}

/** @param {Awaited<ReturnType<typeof run>>} result */
export function summary(result) {
  return `${textTable(HEAD, rows(result))}\n\n${textTable(RATIO_HEAD, ratioRows(result))}\n\n${verdicts(result).join('\n')}`;
}

/** @param {Awaited<ReturnType<typeof run>>} result */
export function markdown(result) {
  return `# static-collect

${result.description}.

**${result.pass ? 'PASS' : 'FAIL'}**: whitenoise ÷ tsgate cold ${result.ratios.default.wallMedian}× (bar ≥ ${result.bars.defaultRatio}×), at equal quality ${result.ratios.equalQuality.wallMedian}× (bar ≥ ${result.bars.equalQualityRatio}×); no-op rerun ${result.noopSeconds} s (bar ≤ ${result.bars.noopSeconds} s)

${reportHeader(result, { note: 'a shared machine: only same-round ratios mean anything, and CPU seconds are steadier than wall' })}
- ${result.params.rounds} rounds of ${result.params.files} files, the order alternating per round; Django ${result.params.django} from Debian; wall from spawn to exit, user and system CPU of the command; verdicts on the medians of the per-round ratios
- files in STATIC_ROOT: ${Object.entries(result.outputs)
    .map(([command, count]) => `${command} ${count}`)
    .join(', ')}

${markdownTable(HEAD, rows(result))}

${markdownTable(RATIO_HEAD, ratioRows(result))}

${verdicts(result)
  .map((line) => `- ${line}`)
  .join('\n')}
`;
}
