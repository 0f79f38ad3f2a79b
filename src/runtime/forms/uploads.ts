/**
 * A file field's own limits, on top of the server's body limit: its size
 * and its type. The type is what the browser declared and what the file
 * name's extension says, and both must be accepted: `photo.html` declared
 * as `image/png` is refused. Neither looks inside the file; decode it (an
 * image library, a PDF parser) where its content matters.
 */
import mime from 'mime';
import type { UploadedFile } from '../http/multipart.js';

export interface UploadLimits {
  /** Largest file, in bytes. */
  maxBytes?: number | undefined;
  /** As HTML's `accept`: MIME types (`image/png`), wildcards (`image/*`) and extensions (`.pdf`). */
  accept?: readonly string[] | undefined;
}

export interface UploadMessages {
  /** `{name}`, `{size}`, `{limit}`. */
  fileSize: string;
  /** `{name}`, `{type}`, `{accept}`. */
  fileType: string;
}

/** `2.5 MB`, `300 KB`, `12 bytes`: sizes as people read them (powers of 1000, as browsers and file managers show). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  const [value, unit] = bytes < 1e6 ? [bytes / 1e3, 'KB'] : bytes < 1e9 ? [bytes / 1e6, 'MB'] : [bytes / 1e9, 'GB'];
  return `${Number(value.toFixed(1))} ${unit}`;
}

/** `{key}` placeholders of a message filled in. */
export function fillMessage(message: string, values: Readonly<Record<string, string | number>>): string {
  return message.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? String(values[key]) : whole));
}

const baseType = (type: string): string => (type.split(';')[0] ?? '').trim().toLowerCase();

function typeMatches(type: string, entry: string): boolean {
  return entry.endsWith('/*') ? type.startsWith(entry.slice(0, -1)) : type === entry;
}

/** True when `file` is accepted by `accept`. */
export function accepts(file: Pick<UploadedFile, 'filename' | 'contentType'>, accept: readonly string[]): boolean {
  const name = file.filename.toLowerCase();
  const entries = accept.map((entry) => entry.trim().toLowerCase());
  if (entries.some((entry) => entry.startsWith('.') && name.endsWith(entry))) return true;
  const types = entries.filter((entry) => !entry.startsWith('.'));
  const declared = baseType(file.contentType);
  const byName = mime.getType(name);
  return types.some((entry) => typeMatches(declared, entry)) && (byName === null || types.some((entry) => typeMatches(byName, entry)));
}

/** What is wrong with `file` under `limits`, or undefined when nothing is. */
export function checkUpload(file: UploadedFile, limits: UploadLimits, messages: UploadMessages): string | undefined {
  if (limits.maxBytes !== undefined && file.data.byteLength > limits.maxBytes) {
    return fillMessage(messages.fileSize, { name: file.filename, size: formatBytes(file.data.byteLength), limit: formatBytes(limits.maxBytes) });
  }
  if (limits.accept !== undefined && limits.accept.length > 0 && !accepts(file, limits.accept)) {
    return fillMessage(messages.fileType, { name: file.filename, type: baseType(file.contentType) || 'unknown', accept: limits.accept.join(', ') });
  }
  return undefined;
}

/** An empty file input: browsers still send its part, with no file name and no content. */
export function isEmptyUpload(file: UploadedFile): boolean {
  return file.filename === '' && file.data.byteLength === 0;
}

/** True for the files tsgate's multipart parser gives: for `v.custom(isUploadedFile)` or `z.custom(isUploadedFile)`. */
export function isUploadedFile(value: unknown): value is UploadedFile {
  if (typeof value !== 'object' || value === null) return false;
  const file = value as Partial<UploadedFile>;
  return typeof file.field === 'string' && typeof file.filename === 'string' && typeof file.contentType === 'string' && Buffer.isBuffer(file.data);
}
