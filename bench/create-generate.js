// @ts-check
/**
 * The first minute's bars (docs/architecture.md, Quality bars): wall time,
 * median of several runs, of
 *
 * - `create-tsgate-project site --yes --no-install --no-git` in an empty
 *   folder (node's start-up included, as a user waits for it): bar ≤ 0.5 s;
 * - `node dist/manage.js --help` in a generated, built project: bar ≤ 0.3 s;
 * - `npm run manage -- help` in the same project, development (tsx, no
 *   build): bar ≤ 1 s.
 *
 * Beside wall time, the CPU time (user + system) of the command and its
 * children is recorded from /proc/self/stat (cutime + cstime, 10 ms ticks):
 * on a busy machine wall time grows with the wait for a CPU, CPU time much less.
 *
 * One unmeasured run of each first (disk cache, tsx's cache). The project
 * comes from bench/lib/project.js (generated, installed and built once,
 * then cached).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './lib/harness.js';
import { generatedProjectWithProgress, projectLine, projectRecord } from './lib/project.js';
import { loadAverageNow, machine, markdownTable, reportHeader, round, textTable } from './lib/report.js';

export const name = 'create-generate';
export const description = 'wall time of create-tsgate-project without install, and of manage --help compiled and in development (median of runs)';

const RUNS = 15;
const CLI = join(ROOT, 'cli', 'create-tsgate-project.js');

/**
 * @typedef {object} Measure
 * @property {string} id
 * @property {string} command
 * @property {number} barSeconds
 * @property {number[]} samplesSeconds
 * @property {number} medianSeconds
 * @property {number} minSeconds
 * @property {number} maxSeconds
 * @property {number | null} medianCpuSeconds  user + system of the command and its children; null off Linux
 * @property {boolean} pass
 *
 * @typedef {object} CreateGenerateResult
 * @property {string} name
 * @property {string} description
 * @property {string} date
 * @property {string} node
 * @property {string} platform
 * @property {number} cpuCount
 * @property {string} cpuModel
 * @property {number[]} loadAverage
 * @property {number} runs
 * @property {import('./lib/project.js').ProjectRecord | { error: string }} project
 * @property {Measure[]} measures
 * @property {boolean} pass
 */

/** Our environment less what `npm run bench` added about this repository, so nested npm sees only the project. */
function childEnv() {
  /** @type {Record<string, string>} */
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    const lower = key.toLowerCase();
    if (value === undefined || lower.startsWith('npm_') || lower === 'init_cwd') continue;
    env[key] = value;
  }
  return env;
}

/** CPU seconds used by our waited-for children so far (Linux), or NaN. */
function childrenCpuSeconds() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of proc(5), cutime and cstime, in clock ticks (100 per second on Linux).
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** @type {number[]} CPU seconds of each timed() run, in order */
const cpuSamples = [];

/**
 * Runs a command to completion and returns its wall time in seconds (its CPU time goes to cpuSamples); throws if it fails.
 * @param {string} file
 * @param {string[]} args
 * @param {string} cwd
 */
function timed(file, args, cwd) {
  const cpuBefore = childrenCpuSeconds();
  const started = performance.now();
  const result = spawnSync(file, args, { cwd, env: childEnv(), encoding: 'utf8', timeout: 60_000 });
  const seconds = (performance.now() - started) / 1000;
  cpuSamples.push(childrenCpuSeconds() - cpuBefore);
  if (result.status !== 0) throw new Error(`${[file, ...args].join(' ')} (in ${cwd}) failed (${result.status ?? result.signal}):\n${result.stdout}${result.stderr}`);
  return seconds;
}

/** @param {number[]} values */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * @param {string} id
 * @param {string} command
 * @param {number} barSeconds
 * @param {() => number} once  one run, its wall time in seconds
 * @returns {Measure}
 */
function measure(id, command, barSeconds, once) {
  process.stderr.write(`  ${id}… `);
  once(); // unmeasured
  cpuSamples.length = 0;
  const samples = Array.from({ length: RUNS }, once);
  const medianSeconds = median(samples);
  const cpu = median(cpuSamples);
  process.stderr.write(`median ${round(medianSeconds, 3)} s (CPU ${round(cpu, 2)} s)\n`);
  return {
    id,
    command,
    barSeconds,
    samplesSeconds: samples.map((s) => round(s, 4)),
    medianSeconds: round(medianSeconds, 4),
    minSeconds: round(Math.min(...samples), 4),
    maxSeconds: round(Math.max(...samples), 4),
    medianCpuSeconds: Number.isNaN(cpu) ? null : round(cpu, 2),
    pass: medianSeconds <= barSeconds,
  };
}

/** @returns {Promise<CreateGenerateResult>} */
export async function run() {
  const loadAverage = loadAverageNow();
  const measures = [];
  const scratch = mkdtempSync(join(tmpdir(), 'tsgate-bench-create-'));
  try {
    let n = 0;
    measures.push(
      measure('generate', 'create-tsgate-project site --yes --no-install --no-git', 0.5, () => {
        const cwd = mkdtempSync(join(scratch, `run-${n++}-`));
        return timed(process.execPath, [CLI, 'site', '--yes', '--no-install', '--no-git'], cwd);
      }),
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  /** @type {CreateGenerateResult['project']} */
  let project;
  try {
    const made = await generatedProjectWithProgress();
    project = projectRecord(made);
    measures.push(measure('manage-help-compiled', 'node dist/manage.js --help', 0.3, () => timed(process.execPath, ['dist/manage.js', '--help'], made.dir)));
    measures.push(measure('manage-help-development', 'npm run manage -- help', 1, () => timed('npm', ['run', 'manage', '--', 'help'], made.dir)));
  } catch (error) {
    project = { error: error instanceof Error ? error.message : String(error) };
    process.stderr.write(`could not measure manage --help:\n${project.error}\n`);
  }
  return {
    name,
    description,
    ...machine(),
    loadAverage,
    runs: RUNS,
    project,
    measures,
    pass: !('error' in project) && measures.every((m) => m.pass),
  };
}

const HEAD = ['command', 'median s', 'min s', 'max s', 'CPU s (median)', 'bar'];

/** @param {CreateGenerateResult} result */
function rows(result) {
  return result.measures.map((m) => [`\`${m.command}\``, m.medianSeconds, m.minSeconds, m.maxSeconds, m.medianCpuSeconds ?? 'n/a', `≤ ${m.barSeconds} s: ${m.pass ? 'PASS' : 'FAIL'}`]);
}

/** @param {CreateGenerateResult} result */
function verdict(result) {
  const missing = 'error' in result.project ? ' (the generated project could not be made: manage --help not measured)' : '';
  return `${result.measures.map((m) => `${m.id} ${m.medianSeconds} s (≤ ${m.barSeconds})`).join(', ')}: ${result.pass ? 'PASS' : 'FAIL'}${missing}`;
}

/** @param {CreateGenerateResult} result */
export function summary(result) {
  return `${textTable(HEAD, rows(result).map((row) => row.map((cell) => String(cell).replaceAll('`', ''))))}\n\n${verdict(result)}`;
}

/** @param {CreateGenerateResult} result */
export function markdown(result) {
  const project = 'error' in result.project ? `could not be made:\n\n\`\`\`\n${result.project.error.trim()}\n\`\`\`` : projectLine(result.project);
  return `# ${result.name}

${result.description}.

**${verdict(result)}** — the bars (docs/architecture.md): \`create-tsgate-project\` without install ≤ 0.5 s wall; \`manage --help\` ≤ 0.3 s compiled, ≤ 1 s in development.

${reportHeader(result)}
- wall time from spawn to exit (node's start-up included), median of ${result.runs} runs after one unmeasured run; each generation in a fresh empty folder
- CPU s: user + system time of the command and its children (from /proc/self/stat, 10 ms ticks), informational: wall time on a busy machine includes waiting for a CPU
- generated project: ${project}

${markdownTable(HEAD, rows(result))}

Samples (s): ${result.measures.map((m) => `${m.id}: ${m.samplesSeconds.join(', ')}`).join('; ')}
`;
}
