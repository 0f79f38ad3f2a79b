// @ts-check
/**
 * `npm run bench` — runs the benchmarks behind the quality bars (docs/architecture.md).
 *
 *   node bench/run.js [name…] [--duration S] [--connections N] [--pipelining N]
 *                     [--warmup S] [--rounds N] [--cpu-prof] [--list]
 *
 * Each benchmark is a module beside this file exporting `name`,
 * `description`, `run(options)` → result object (with `pass`), and
 * `summary(result)` / `markdown(result)`. Results are written to
 * bench/results/<name>.json and <name>.md. Missing a bar is reported, not
 * an error: the exit code is 0 unless a benchmark could not run (the others
 * still run).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildExists, RESULTS_DIR } from './lib/harness.js';

/**
 * @typedef {object} Benchmark
 * @property {string} name
 * @property {string} description
 * @property {(options: import('./lib/harness.js').BenchOptions) => Promise<{ pass: boolean }>} run
 * @property {(result: any) => string} summary
 * @property {(result: any) => string} markdown
 */

/** Every benchmark, by name; add new ones here. @type {Record<string, () => Promise<Benchmark>>} */
const BENCHMARKS = {
  'serve-hello': () => import('./serve-hello.js'),
  'idle-rss': () => import('./idle-rss.js'),
  'welcome-page': () => import('./welcome-page.js'),
  'welcome-form': () => import('./welcome-form.js'),
  'schema-libraries': () => import('./schema-libraries.js'),
  'static-collect': () => import('./static-collect.js'),
  'static-serve': () => import('./static-serve.js'),
  'worker-memory': () => import('./worker-memory.js'),
  'create-generate': () => import('./create-generate.js'),
  migrate: () => import('./migrate.js'),
  'form-flood': () => import('./form-flood.js'),
  'auth-pages': () => import('./auth-pages.js'),
  tasks: () => import('./tasks.js'),
  'metrics-overhead': () => import('./metrics-overhead.js'),
  anchors: () => import('./anchors.js'),
  'anchor-commands': () => import('./anchor-commands.js'),
};

const USAGE = `usage: npm run bench -- [name…] [options]

benchmarks: ${Object.keys(BENCHMARKS).join(', ')} (default: all)

options:
  --duration S      seconds of measured load per run (default 10)
  --connections N   concurrent connections (default 64; serve-hello reports p99 at this load)
  --pipelining N    requests in flight per connection (default 1)
  --warmup S        seconds of unmeasured load before each run (default 2)
  --rounds N        runs per server, order alternating A B / B A (default 2)
  --cpu-prof        write V8 CPU profiles of the servers to bench/results/profiles/
  --list            list the benchmarks
  -h, --help        this text`;

/**
 * @param {string} flag
 * @param {string | undefined} text
 * @param {number} fallback
 * @param {number} min
 */
function number(flag, text, fallback, min) {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min) {
    console.error(`${flag} must be a number ≥ ${min}, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return value;
}

async function main() {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        duration: { type: 'string' },
        connections: { type: 'string' },
        pipelining: { type: 'string' },
        warmup: { type: 'string' },
        rounds: { type: 'string' },
        'cpu-prof': { type: 'boolean', default: false },
        list: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : error}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.list) {
    for (const [name, loader] of Object.entries(BENCHMARKS)) console.log(`${name}\t${(await loader()).description}`);
    return 0;
  }
  const unknown = positionals.filter((name) => !(name in BENCHMARKS));
  if (unknown.length > 0) {
    console.error(`unknown benchmark: ${unknown.join(', ')}\n\n${USAGE}`);
    return 2;
  }
  if (!buildExists()) {
    console.error('run npm run build first');
    return 1;
  }

  /** @type {import('./lib/harness.js').BenchOptions} */
  const options = {
    duration: number('--duration', values.duration, 10, 1),
    connections: number('--connections', values.connections, 64, 1),
    pipelining: number('--pipelining', values.pipelining, 1, 1),
    warmup: number('--warmup', values.warmup, 2, 0),
    rounds: number('--rounds', values.rounds, 2, 1),
    cpuProf: values['cpu-prof'] ? join(RESULTS_DIR, 'profiles') : undefined,
  };

  mkdirSync(RESULTS_DIR, { recursive: true });
  const names = positionals.length > 0 ? positionals : Object.keys(BENCHMARKS);
  /** @type {[string, 'PASS' | 'FAIL' | 'ERROR', number][]} */
  const outcomes = [];
  const started = performance.now();
  for (const name of names) {
    const loader = /** @type {() => Promise<Benchmark>} */ (BENCHMARKS[name]);
    const bench = await loader();
    console.log(`\n== ${bench.name}: ${bench.description}`);
    const benchStarted = performance.now();
    const seconds = () => Math.round((performance.now() - benchStarted) / 1000);
    let result;
    try {
      result = await bench.run(options);
    } catch (error) {
      console.error(`\n${bench.name} could not run: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
      outcomes.push([bench.name, 'ERROR', seconds()]);
      continue;
    }
    writeFileSync(join(RESULTS_DIR, `${bench.name}.json`), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join(RESULTS_DIR, `${bench.name}.md`), bench.markdown(result));
    console.log(`\n${bench.summary(result)}`);
    console.log(`(written to bench/results/${bench.name}.json and .md)`);
    outcomes.push([bench.name, result.pass ? 'PASS' : 'FAIL', seconds()]);
  }
  console.log(`\n== summary (${Math.round((performance.now() - started) / 1000)} s)`);
  for (const [name, outcome, s] of outcomes) console.log(`${outcome.padEnd(5)}  ${name} (${s} s)`);
  if (options.cpuProf) console.log(`\nCPU profiles: ${options.cpuProf}`);
  return outcomes.some(([, outcome]) => outcome === 'ERROR') ? 1 : 0;
}

process.exitCode = await main();
