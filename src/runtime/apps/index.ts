export { appConfig, TSGATE_DIR, TSGATE_PREFIX, type AppConfig, type AppRoots } from './config.js';
export { Apps, installedApps } from './registry.js';
