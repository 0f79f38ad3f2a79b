/**
 * `multipart/form-data` bodies, parsed with busboy as they are read, under
 * the upload limits (http/limits.ts): the first limit passed stops the
 * reading and answers 413 (a size) or 400 (a count), so a hostile body
 * never costs more than the limits, whatever its length.
 */
import type busboy from 'busboy';
import { HttpError } from '../tsgi/errors.js';
import type { InputStream } from '../tsgi/types.js';
import { READ_CHUNK } from './body.js';
import { DEFAULT_UPLOAD_LIMITS, tooLarge, tooMany, type UploadLimits } from './limits.js';

export interface UploadedFile {
  field: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface ParsedForm {
  fields: URLSearchParams;
  files: UploadedFile[];
}

function malformed(error: unknown): HttpError {
  return new HttpError('400 Bad Request', `malformed multipart body: ${error instanceof Error ? error.message : String(error)}`);
}

/**
 * busboy, loaded with the first multipart body: a worker that never gets one
 * does not hold it (~2.7 MB of RSS with its dependency, measured at import).
 */
let loaded: Promise<typeof busboy> | undefined;
function loadBusboy(): Promise<typeof busboy> {
  loaded ??= import('busboy').then((module) => module.default);
  return loaded;
}

/** A busboy parser that fills `form`, and calls `fail` with the first limit passed. */
function formParser(busboy: typeof import('busboy'), contentType: string, limits: UploadLimits, form: ParsedForm, fail: (error: HttpError) => void): busboy.Busboy {
  const { maxMemorySize, maxNumberFields, maxNumberFiles, maxFileSize } = limits;
  // busboy flags a value that reaches its size limit, so each is one byte more than what may pass.
  const size = (limit: number | undefined) => (limit === undefined ? Infinity : limit + 1);
  const parser = busboy({
    headers: { 'content-type': contentType },
    limits: {
      // One field cannot be larger than all of them together; busboy's own defaults (1 MB a field, 100 bytes a name) are not Django's.
      fieldSize: size(maxMemorySize),
      fieldNameSize: size(maxMemorySize),
      fields: maxNumberFields ?? Infinity,
      files: maxNumberFiles ?? Infinity,
      fileSize: size(maxFileSize),
    },
  });
  let memory = 0;
  parser.on('field', (name, value, info) => {
    memory += Buffer.byteLength(name) + Buffer.byteLength(value);
    if (maxMemorySize !== undefined && (info.valueTruncated || info.nameTruncated || memory > maxMemorySize)) {
      return fail(tooLarge('the form data', 'DATA_UPLOAD_MAX_MEMORY_SIZE', maxMemorySize));
    }
    form.fields.append(name, value);
  });
  parser.on('file', (field, stream, info) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('limit', () => fail(tooLarge(`the file ${JSON.stringify(info.filename ?? field)}`, 'FILE_UPLOAD_MAX_SIZE', maxFileSize ?? 0)));
    stream.on('end', () => form.files.push({ field, filename: info.filename ?? '', contentType: info.mimeType, data: Buffer.concat(chunks) }));
  });
  parser.on('fieldsLimit', () => fail(tooMany('fields', 'DATA_UPLOAD_MAX_NUMBER_FIELDS', maxNumberFields ?? 0)));
  parser.on('filesLimit', () => fail(tooMany('files', 'DATA_UPLOAD_MAX_NUMBER_FILES', maxNumberFiles ?? 0)));
  return parser;
}

/**
 * Parses a multipart body from `wsgi.input` as it is read (or from bytes
 * already read). Reading stops at the first limit passed or the first
 * malformed part, and the error is thrown.
 */
export async function parseMultipart(contentType: string, body: InputStream | Uint8Array, limits: UploadLimits = DEFAULT_UPLOAD_LIMITS): Promise<ParsedForm> {
  const form: ParsedForm = { fields: new URLSearchParams(), files: [] };
  let failure: HttpError | undefined;
  const fail = (error: HttpError) => {
    failure ??= error;
  };
  const busboy = await loadBusboy();
  let parser: busboy.Busboy;
  try {
    parser = formParser(busboy, contentType, limits, form, fail);
  } catch (error) {
    throw malformed(error);
  }
  const done = new Promise<void>((resolve) => {
    parser.on('error', (error: unknown) => {
      fail(malformed(error));
      resolve();
    });
    parser.on('close', resolve);
  });
  try {
    if (body instanceof Uint8Array) parser.write(body);
    else {
      // Events fire inside write(): a limit passed stops the reading at once.
      for (let chunk = await body.read(READ_CHUNK); chunk.byteLength > 0 && !failure; chunk = await body.read(READ_CHUNK)) parser.write(chunk);
    }
    if (failure) throw failure;
  } catch (error) {
    parser.destroy();
    throw error;
  }
  parser.end();
  await done;
  if (failure) throw failure;
  return form;
}
