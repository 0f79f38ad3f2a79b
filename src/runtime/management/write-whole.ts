/**
 * Writes a new file whole or not at all, never over an existing one: a
 * temporary file beside it, linked into place. An interrupted command
 * leaves no half-written migration behind (at most the temporary file,
 * which no loader picks up).
 */
import { link, mkdir, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export async function writeWhole(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = join(dirname(file), `.${process.pid}.${Date.now()}.tmp`);
  await writeFile(temporary, text, { flag: 'wx' });
  try {
    await link(temporary, file);
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}
