export { fileInside, projectFinders, safeRelativePath, StaticFinders, type StaticSource } from './finders.js';
export { withStaticFiles, type StaticServingOptions } from './serve.js';
export { projectStaticUrl, withProjectStatic } from './project.js';
export {
  collectStatic,
  collectSummary,
  CollectStaticError,
  DEFAULT_IGNORE_PATTERNS,
  gatherStaticFiles,
  ignoreMatcher,
  type CollectOptions,
  type CollectResult,
} from './collect.js';
export { CACHE_NAME, MANIFEST_NAME, readManifest, writeManifest } from './manifest.js';
export { cssReferences, hashedName, jsReferences, rewriteCss, rewriteJs } from './rewrite.js';
export { CompressionPool, DEFAULT_BROTLI_QUALITY, isCompressible, precompress } from './compress.js';
export { chooseEncoding, parseRange } from './serve.js';
