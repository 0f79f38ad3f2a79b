/** The tsgate runtime's public face; each concern also has its own entry (`tsgate/http`, …). */
export * from './tsgi/index.js';
export { env, settings, projectDir, ImproperlyConfigured, type Settings } from './conf/index.js';
export { path, html, json, text, redirect, HttpResponse, Request, type View, type Route } from './http/index.js';
export { getWsgiApplication, type WsgiOptions } from './wsgi.js';
