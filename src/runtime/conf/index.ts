export { ImproperlyConfigured } from './errors.js';
export { env, makeEnv, type Env, type UrlOptions } from './env.js';
export { DEFAULTS, KNOWN_SETTINGS } from './defaults.js';
export { findModuleFile, getModuleRoot, importModule, setModuleRoot } from './modules.js';
export { SETTINGS_MODULE_VARIABLE, checkSettings, configure, isConfigured, requireServingSettings, settings, settingsSource } from './settings.js';
export type {
  CacheSettings,
  CachesSettings,
  DatabaseSettings,
  DatabasesSettings,
  KnownSettings,
  LogLevelName,
  CrossOriginOpenerPolicy,
  ReferrerPolicy,
  SameSite,
  Settings,
  StaticFilesDir,
  TemplateEngineSettings,
  XFrameOptions,
} from './types.js';
export { projectDir } from './project.js';
export { CacheUrlError, parseCacheUrl, type CacheTarget } from './cache-url.js';
