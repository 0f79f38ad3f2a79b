export { Request } from './request.js';
export { HttpResponse, html, json, redirect, text, type ResponseBody } from './response.js';
export { path, resolve, type Match, type PathOptions, type Route, type View } from './urls.js';
export { createApplication, dispatch, type ApplicationOptions } from './application.js';
