/** The content hash in hashed names: the first 12 hex digits of SHA-256, as Django's ManifestStaticFilesStorage. */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';

export function sha12Of(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex').slice(0, 12);
}

/** Small files are hashed in one read; big ones streamed. (Synchronous calls: measured ~3× faster than the thread pool for many small files.) */
export async function sha12(file: string, size: number): Promise<string> {
  if (size <= 8 * 1024 * 1024) return sha12Of(readFileSync(file));
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex').slice(0, 12);
}
