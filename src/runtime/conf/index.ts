export { ImproperlyConfigured } from './errors.js';
export { env, makeEnv } from './env.js';
export { findModuleFile, getModuleRoot, importModule, setModuleRoot } from './modules.js';
export { SETTINGS_MODULE_VARIABLE, checkSettings, configure, isConfigured, settings, type Settings } from './settings.js';
export { projectDir } from './project.js';
