// @ts-check
/**
 * Which Standard Schema library generated projects use (issue 16: "pick by
 * bundle size and speed"): zod v4 (its full API and `zod/mini`), valibot
 * and arktype, each with the same two schemas (bench/schemas/: the
 * example's name rule, and a sign-up object with an email, a coerced age
 * and a cross-field password rule), measured on
 *
 * - bundle size: the schemas bundled by esbuild, minified, and gzipped;
 * - import cost: wall time and RSS growth of importing them into a fresh
 *   node (every server worker pays it), median of several processes;
 * - speed: validations per second through `~standard.validate`, the call
 *   tsgate makes, on valid input and on three kinds of invalid input.
 *
 * There is no bar: the result is the comparison that the README's choice
 * rests on. Every library must agree on which inputs are invalid.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildSync } from 'esbuild';
import { BENCH_DIR } from './lib/harness.js';
import { loadAverageAtStart, markdownTable, reportHeader, resultHead, round, textTable } from './lib/report.js';

export const name = 'schema-libraries';
export const description = 'zod v4 (full and mini), valibot and arktype, the same schemas: bundle size, import cost per process, validations per second';

const LIBRARIES = ['zod', 'zod-mini', 'valibot', 'arktype'];
const SCHEMAS = join(BENCH_DIR, 'schemas');
const PROCESSES = 5;

/** @typedef {{ lib: string, importMs: number, rssMb: number, speed: Record<string, { perSecond: number, issues: number }> }} Measured */

/** @param {string} lib */
function bundleSize(lib) {
  const out = buildSync({ entryPoints: [join(SCHEMAS, `${lib}.js`)], bundle: true, minify: true, format: 'esm', platform: 'neutral', mainFields: ['module', 'main'], write: false, logLevel: 'silent' });
  const code = /** @type {import('esbuild').OutputFile} */ (out.outputFiles[0]).contents;
  return { minifiedKb: round(code.byteLength / 1024, 1), gzipKb: round(gzipSync(code, { level: 9 }).byteLength / 1024, 1) };
}

/**
 * @param {string} lib
 * @returns {Promise<Measured>}
 */
function measureIn(lib) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(SCHEMAS, 'measure.js'), lib], { timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${lib}: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

/** @param {number[]} values */
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return /** @type {number} */ (sorted[Math.floor(sorted.length / 2)]);
};

export async function run() {
  const loadAverage = loadAverageAtStart();
  /** @type {Record<string, { minifiedKb: number, gzipKb: number, importMs: number, rssMb: number, speed: Record<string, { perSecond: number, issues: number }> }>} */
  const libraries = {};
  for (const lib of LIBRARIES) {
    process.stderr.write(`  ${lib}: `);
    const size = bundleSize(lib);
    /** @type {Measured[]} */
    const runs = [];
    for (let i = 0; i < PROCESSES; i++) runs.push(await measureIn(lib));
    const speed = Object.fromEntries(
      Object.keys(runs[0]?.speed ?? {}).map((label) => [label, { perSecond: median(runs.map((r) => r.speed[label]?.perSecond ?? 0)), issues: runs[0]?.speed[label]?.issues ?? 0 }]),
    );
    libraries[lib] = { ...size, importMs: round(median(runs.map((r) => r.importMs)), 1), rssMb: round(median(runs.map((r) => r.rssMb)), 1), speed };
    process.stderr.write(`${size.gzipKb} KB gz, import ${libraries[lib]?.importMs} ms\n`);
  }
  // The libraries must agree on what is invalid, or the comparison is not of the same work.
  const verdicts = LIBRARIES.map((lib) => Object.values(libraries[lib]?.speed ?? {}).map((s) => s.issues > 0).join(','));
  const agree = verdicts.every((v) => v === verdicts[0]);
  return { ...resultHead(name, description, loadAverage), processes: PROCESSES, libraries, agree, pass: agree };
}

/** @typedef {Awaited<ReturnType<typeof run>>} SchemaResult */

/** @param {SchemaResult} result */
function table(result) {
  const labels = Object.keys(Object.values(result.libraries)[0]?.speed ?? {});
  const head = ['library', 'min KB', 'gzip KB', 'import ms', 'import RSS MB', ...labels.map((label) => `${label} /s`)];
  const rows = Object.entries(result.libraries).map(([lib, r]) => [lib, r.minifiedKb, r.gzipKb, r.importMs, r.rssMb, ...labels.map((label) => Math.round(r.speed[label]?.perSecond ?? 0))]);
  return { head, rows };
}

/** @param {SchemaResult} result */
export function summary(result) {
  const { head, rows } = table(result);
  return `${textTable(head, rows)}\n\n${result.agree ? 'the libraries agree on every case' : 'the libraries DISAGREE on which inputs are invalid'}`;
}

/** @param {SchemaResult} result */
export function markdown(result) {
  const { head, rows } = table(result);
  return `# schema-libraries

${result.description}.

${reportHeader(result)}
- sizes: bench/schemas/LIB.js bundled by esbuild (minified, ESM, neutral platform), gzip level 9
- import and speed: medians over ${result.processes} fresh node processes; speed is the best of 5 batches of 50 000 \`~standard.validate\` calls after 20 000 warm-up calls
- ${result.agree ? 'every library finds the same inputs valid and invalid' : 'the libraries disagree on which inputs are invalid: the comparison is wrong'}

${markdownTable(head, rows)}
`;
}
