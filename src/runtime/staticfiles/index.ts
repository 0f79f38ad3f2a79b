export { fileInside, projectFinders, safeRelativePath, StaticFinders, type StaticSource } from './finders.js';
export { withStaticFiles, type StaticServingOptions } from './serve.js';
export { withProjectStatic } from './project.js';
