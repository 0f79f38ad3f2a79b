/**
 * `manage collectstatic [--noinput] [--clear] [--link] [--dry-run]
 * [-i PATTERN ...] [--no-default-ignore] [--no-post-process]
 * [--brotli-quality N] [-v 0..3]`: Django's command, copying the finders'
 * files into STATIC_ROOT with hashed names, rewritten CSS and JS
 * references, precompressed copies and a `staticfiles.json` manifest. A
 * progress bar on stderr when it is a terminal; Django's summary line.
 *
 * `STATICFILES_MANIFEST_STRICT = false` in the settings (Django's
 * `manifest_strict`, whitenoise's `WHITENOISE_MANIFEST_STRICT`) turns a
 * missing referenced file from an error into a warning;
 * `STATICFILES_KEEP_ONLY_HASHED = true` (whitenoise's
 * `WHITENOISE_KEEP_ONLY_HASHED_FILES`) writes only the hashed copies, not
 * the originals under their own names.
 */
import { resolve } from 'node:path';
import { configure } from '../../conf/settings.js';
import { collectStatic, collectSummary } from '../../staticfiles/collect.js';
import { CollectStaticError } from '../../staticfiles/errors.js';
import { projectFinders } from '../../staticfiles/finders.js';
import { DEFAULT_IGNORE_PATTERNS } from '../../staticfiles/ignore.js';
import { CommandError, flag, stringList, stringOption, type Command } from '../base.js';
import { ask, canAsk, NOINPUT_OPTIONS, noInput } from '../prompt.js';

function verbosity(value: string | undefined): number {
  if (value === undefined) return 1;
  if (/^[0-3]$/.test(value)) return Number(value);
  throw new CommandError(`collectstatic: argument -v/--verbosity: invalid choice: '${value}' (choose from '0', '1', '2', '3')`, 2);
}

/** A one-line bar on stderr, redrawn at most every 100 ms, erased when done. */
function progressBar(stream: NodeJS.WriteStream): { update: (done: number, total: number) => void; end: () => void } {
  let last = 0;
  let shown = false;
  const draw = (done: number, total: number): void => {
    const width = 30;
    const fraction = total === 0 ? 1 : done / total;
    const filled = Math.round(fraction * width);
    stream.write(`\rCollecting static files [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}% ${done}/${total}`);
    shown = true;
  };
  return {
    update(done, total) {
      const now = Date.now();
      if (done === total || now - last >= 100) {
        last = now;
        draw(done, total);
      }
    },
    end() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}

function brotliQuality(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (/^(?:[0-9]|1[01])$/.test(value)) return Number(value);
  throw new CommandError(`collectstatic: argument --brotli-quality: invalid choice: '${value}' (choose from 0 to 11)`, 2);
}

async function confirm(root: string, clear: boolean): Promise<boolean> {
  const action = clear ? 'This will DELETE ALL FILES in this location!' : 'This will overwrite existing files!';
  const answer = await ask(
    `\nYou have requested to collect static files at the destination\nlocation as specified in your settings:\n\n    ${root}\n\n${action}\nAre you sure you want to do this? [y/N] `,
  );
  return /^y(es)?$/i.test(answer);
}

const command: Command = {
  help: 'Collects the static files into STATIC_ROOT, with hashed names, a manifest and precompressed copies.',
  options: {
    ...NOINPUT_OPTIONS,
    clear: { type: 'boolean', short: 'c', help: 'delete everything in STATIC_ROOT before copying' },
    link: { type: 'boolean', short: 'l', help: 'symlink each original instead of copying it (hashed and compressed copies are still files)' },
    'dry-run': { type: 'boolean', short: 'n', help: 'print what would be done, change nothing' },
    ignore: { type: 'string', short: 'i', multiple: true, metavar: 'PATTERN', help: 'ignore files and folders matching this glob (repeatable)' },
    'no-default-ignore': { type: 'boolean', help: `do not ignore the default patterns ${DEFAULT_IGNORE_PATTERNS.map((p) => `'${p}'`).join(', ')}` },
    'no-post-process': { type: 'boolean', help: 'only copy: no hashed names, manifest or compressed copies' },
    'brotli-quality': { type: 'string', metavar: 'N', help: 'brotli quality 0..11 of the .br copies (default 9; 11, as whitenoise, makes them ~11% smaller for ~10× the brotli CPU)' },
    verbosity: { type: 'string', short: 'v', metavar: '{0,1,2,3}', help: '0 silent, 1 summary (default), 2 each file, 3 everything' },
  },
  async handle(args) {
    const level = verbosity(stringOption(args, 'verbosity'));
    const quality = brotliQuality(stringOption(args, 'brotli-quality'));
    const settings = await configure();
    const strict = settings.STATICFILES_MANIFEST_STRICT;
    const baseDir = settings.BASE_DIR ?? process.cwd();
    if (settings.STATIC_ROOT === undefined || settings.STATIC_ROOT === '') {
      throw new CommandError("You're using the staticfiles app without having set the required STATIC_ROOT setting to a filesystem path.");
    }
    const root = resolve(baseDir, settings.STATIC_ROOT);
    const finders = projectFinders(baseDir, settings.STATICFILES_DIRS, settings.INSTALLED_APPS);
    const sources = finders.sources.map((source) => ({ prefix: source.prefix, dir: resolve(baseDir, source.dir) }));
    const dryRun = flag(args, 'dry-run');
    const clear = flag(args, 'clear');
    if (!noInput(args) && !dryRun) {
      if (!canAsk()) {
        throw new CommandError('collectstatic would overwrite files in STATIC_ROOT and stdin is not a terminal to confirm it: pass --noinput.');
      }
      if (!(await confirm(root, clear))) throw new CommandError('Collecting static files cancelled.');
    }
    const ignore = [...(flag(args, 'no-default-ignore') ? [] : DEFAULT_IGNORE_PATTERNS), ...stringList(args, 'ignore')];
    // The bar only where someone watches, and not over the per-file lines of -v 2 and 3.
    const bar = level === 1 && !dryRun && process.stderr.isTTY ? progressBar(process.stderr) : undefined;
    try {
      const result = await collectStatic({
        sources,
        root,
        ignore,
        postProcess: !flag(args, 'no-post-process'),
        dryRun,
        clear,
        link: flag(args, 'link'),
        keepOnlyHashed: settings.STATICFILES_KEEP_ONLY_HASHED,
        strict,
        ...(quality === undefined ? {} : { brotliQuality: quality }),
        staticUrl: settings.STATIC_URL,
        log: (message, messageLevel) => {
          if (messageLevel <= level) process.stdout.write(`${message}\n`);
        },
        ...(bar ? { progress: bar.update } : {}),
      });
      bar?.end();
      for (const warning of result.warnings) process.stderr.write(`Warning: ${warning}\n`);
      if (level >= 1) process.stdout.write(`\n${collectSummary(result)}\n`);
      return 0;
    } catch (error) {
      bar?.end();
      if (error instanceof CollectStaticError) throw new CommandError(error.message);
      throw error;
    }
  },
};

export default command;
