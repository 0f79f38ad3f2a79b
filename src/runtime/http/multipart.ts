/**
 * `multipart/form-data` bodies, parsed with busboy under size limits: a
 * body over a limit is a 413, never a process holding unbounded memory.
 */
import busboy from 'busboy';
import { HttpError } from '../tsgi/errors.js';

export interface UploadedFile {
  field: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface MultipartLimits {
  /** Largest single file, in bytes. */
  fileSize: number;
  /** Largest single field value, in bytes. */
  fieldSize: number;
  /** Most fields and files. */
  parts: number;
}

export const DEFAULT_MULTIPART_LIMITS: MultipartLimits = { fileSize: 10 * 1024 * 1024, fieldSize: 2.5 * 1024 * 1024, parts: 1000 };

function tooLarge(what: string): HttpError {
  return new HttpError('413 Content Too Large', `${what} is over the upload limit`);
}

export function parseMultipart(
  contentType: string,
  body: Uint8Array,
  limits: MultipartLimits = DEFAULT_MULTIPART_LIMITS,
): Promise<{ fields: URLSearchParams; files: UploadedFile[] }> {
  return new Promise((resolve, reject) => {
    const fields = new URLSearchParams();
    const files: UploadedFile[] = [];
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { 'content-type': contentType },
        limits: { fileSize: limits.fileSize, fieldSize: limits.fieldSize, parts: limits.parts },
      });
    } catch (error) {
      reject(new HttpError('400 Bad Request', `malformed multipart body: ${(error as Error).message}`));
      return;
    }
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) return reject(tooLarge(`field ${name}`));
      fields.append(name, value);
    });
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => reject(tooLarge(`file ${info.filename}`)));
      stream.on('end', () => files.push({ field: name, filename: info.filename ?? '', contentType: info.mimeType, data: Buffer.concat(chunks) }));
    });
    parser.on('partsLimit', () => reject(tooLarge('the number of parts')));
    parser.on('error', (error: Error) => reject(new HttpError('400 Bad Request', `malformed multipart body: ${error.message}`)));
    parser.on('close', () => resolve({ fields, files }));
    parser.end(body);
  });
}
