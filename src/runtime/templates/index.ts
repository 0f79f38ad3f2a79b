/**
 * tsgate/templates: the project template engine, handlebars files looked up
 * in the project's and the apps' template folders, with layouts, partials,
 * autoescaping and the `static`, `url`, `csrf_token` and `csrf_input` helpers.
 */
export { createTemplateEngine, type TemplateContext, type TemplateEngine, type TemplateEngineOptions } from './engine.js';
export { TemplateDoesNotExist, TemplateError, TemplateSyntaxError, type TemplateErrorOptions } from './errors.js';
export type { Reverse, StaticUrl } from './helpers.js';
export type { HelperDelegate, HelperOptions } from 'handlebars';
