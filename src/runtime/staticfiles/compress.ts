/** Precompressed `.gz` and `.br` copies beside compressible files, kept only where they save ≥ 5%. */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

export const COMPRESSIBLE_EXTENSIONS: ReadonlySet<string> = new Set(['css', 'js', 'mjs', 'json', 'svg', 'html', 'txt', 'xml', 'map']);
/** A compressed copy must be at most this fraction of the original to be kept. */
export const KEEP_RATIO = 0.95;

export function isCompressible(file: string): boolean {
  const dot = file.lastIndexOf('.');
  return dot !== -1 && COMPRESSIBLE_EXTENSIONS.has(file.slice(dot + 1).toLowerCase());
}

/** Writes `file.gz` and `file.br` where they pay, removing stale ones where they no longer do. Returns the kept suffixes. */
export async function precompress(file: string, log: (message: string) => void = () => {}, brotliQuality = 11): Promise<string[]> {
  if (!isCompressible(file)) return [];
  const original = await readFile(file);
  const [gz, br] = await Promise.all([
    gzipAsync(original, { level: 9 }),
    brotliAsync(original, { params: { [constants.BROTLI_PARAM_QUALITY]: brotliQuality, [constants.BROTLI_PARAM_SIZE_HINT]: original.length } }),
  ]);
  const kept: string[] = [];
  for (const [suffix, data] of [['.gz', gz], ['.br', br]] as const) {
    if (original.length > 0 && data.length <= original.length * KEEP_RATIO) {
      await writeFile(file + suffix, data);
      kept.push(suffix);
      log(`Compressed '${file}' to '${file}${suffix}' (${data.length} of ${original.length} bytes)`);
    } else {
      await rm(file + suffix, { force: true });
    }
  }
  return kept;
}
