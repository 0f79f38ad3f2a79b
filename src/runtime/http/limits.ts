/**
 * How much of a request body a view may make the worker hold in memory:
 * Django's DATA_UPLOAD_* settings, and a size for each uploaded file
 * (tsgate keeps uploads in memory; Django spools big ones to disk). Each is
 * checked while the body is read and parsed, so a request past a limit is
 * refused before it costs more than the limit: a size with 413, a count
 * with 400 (Django's TooManyFieldsSent and TooManyFilesSent).
 */
import { HttpError } from '../tsgi/errors.js';

export interface UploadLimits {
  /** Bytes of body read into memory, uploaded files not counted (DATA_UPLOAD_MAX_MEMORY_SIZE); undefined: no limit. */
  maxMemorySize: number | undefined;
  /** Fields of a form, urlencoded or multipart (DATA_UPLOAD_MAX_NUMBER_FIELDS); undefined: no limit. */
  maxNumberFields: number | undefined;
  /** Files of a multipart form (DATA_UPLOAD_MAX_NUMBER_FILES); undefined: no limit. */
  maxNumberFiles: number | undefined;
  /** Bytes of one uploaded file (FILE_UPLOAD_MAX_SIZE); undefined: no limit but the server's body limit. */
  maxFileSize: number | undefined;
}

/** Django's defaults: 2.5 MB of form data, 1000 fields, 100 files; and 10 MB a file, the server's default body limit. */
export const DEFAULT_UPLOAD_LIMITS = Object.freeze({
  maxMemorySize: 2_621_440,
  maxNumberFields: 1000,
  maxNumberFiles: 100,
  maxFileSize: 10_485_760,
}) satisfies UploadLimits;

/**
 * The settings the limits come from, by Django's names. Declared here, not
 * taken from conf/, because conf's defaults are these (DEFAULT_UPLOAD_LIMITS)
 * and http imports nothing of conf.
 */
export interface UploadSettings {
  readonly DATA_UPLOAD_MAX_MEMORY_SIZE: number | null;
  readonly DATA_UPLOAD_MAX_NUMBER_FIELDS: number | null;
  readonly DATA_UPLOAD_MAX_NUMBER_FILES: number | null;
  readonly FILE_UPLOAD_MAX_SIZE: number | null;
}

/** The limits the settings give; `null` or 0 turns one off, as None does in Django. */
export function uploadLimits(settings: UploadSettings): UploadLimits {
  const limit = (value: number | null) => value || undefined;
  return {
    maxMemorySize: limit(settings.DATA_UPLOAD_MAX_MEMORY_SIZE),
    maxNumberFields: limit(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS),
    maxNumberFiles: limit(settings.DATA_UPLOAD_MAX_NUMBER_FILES),
    maxFileSize: limit(settings.FILE_UPLOAD_MAX_SIZE),
  };
}

/** A 413 naming what was too large and the setting that says how large it may be. */
export function tooLarge(what: string, setting: keyof UploadSettings, limit: number): HttpError {
  return new HttpError('413 Content Too Large', `${what} is larger than ${setting} (${limit} bytes)`);
}

/** A 400 naming what there were too many of and the setting that says how many there may be. */
export function tooMany(what: string, setting: keyof UploadSettings, limit: number): HttpError {
  return new HttpError('400 Bad Request', `the form has more ${what} than ${setting} (${limit})`);
}
