/**
 * The 404 and 403 answers. Outside DEBUG: the project's `404.html` or
 * `403.html` when it has one, else a plain page. In DEBUG a 404 is Django's
 * technical page: the URL patterns tried, in order, or what the view that
 * raised Http404 said. Every value from the request is escaped.
 */
import { loggedPath } from '../logging/index.js';
import type { Http404, PermissionDenied } from './exceptions.js';
import { escapeHtml } from './html.js';
import type { Request } from './request.js';
import { html, text, type HttpResponse } from './response.js';
import type { Route } from './urls.js';

export interface StatusPages {
  debug: boolean;
  /** The URL table the DEBUG 404 page lists. */
  patterns: readonly Route[];
  /** ROOT_URLCONF, named by the DEBUG 404 page. */
  urlconf?: string | undefined;
  /** The project's pages; when one throws (missing or broken), the plain page. */
  render404?: (() => string) | undefined;
  render403?: (() => string) | undefined;
}

/** Who raised an Http404, for the DEBUG page: the error and the view's route. */
export interface Raised {
  error: Http404;
  route?: Route | undefined;
}

function projectPage(render: (() => string) | undefined, status: number): HttpResponse | undefined {
  if (!render) return undefined;
  try {
    return html(render(), status);
  } catch {
    return undefined; // no such template, or a broken one: the plain page
  }
}

const STYLE =
  'body{font:14px sans-serif;margin:0}header{background:#ffc;padding:1em 2em;border-bottom:1px solid #ddd}' +
  'header h1 span{font-weight:normal;color:#666}th{text-align:left;padding-right:1em}main,footer{padding:0 2em}' +
  'footer{background:#eee;border-top:1px solid #ddd;padding:1em 2em}ol{font-family:monospace}';

function triedList(request: Request, pages: StatusPages): string {
  if (pages.patterns.length === 0) return '<p>The URL table is empty.</p>';
  const where = pages.urlconf ? ` defined in <code>${escapeHtml(pages.urlconf)}</code>` : '';
  const items = pages.patterns
    .map((route) => `<li><code>${escapeHtml(route.route)}</code>${route.name ? ` [name='${escapeHtml(route.name)}']` : ''}</li>`)
    .join('');
  return (
    `<p>Using the URL table${where}, tsgate tried these URL patterns, in this order:</p><ol>${items}</ol>` +
    `<p>The current path, <code>${escapeHtml(request.pathInfo.slice(1))}</code>, didn't match any of these.</p>`
  );
}

/** Django's technical_404 page. */
export function technical404(request: Request, pages: StatusPages, raised?: Raised): string {
  // A sensitive route's values (a reset token) masked, as in the logs.
  const path = loggedPath(request.environ);
  const rows: [string, string][] = [
    ['Request Method:', request.method],
    ['Request URL:', `${request.scheme}://${request.host}${path}`],
  ];
  if (raised?.route) rows.push(['Raised by:', raised.route.view.name || `the view of '${raised.route.route}'`]);
  const table = rows.map(([name, value]) => `<tr><th>${name}</th><td>${escapeHtml(value)}</td></tr>`).join('');
  const body = raised ? `<p>${escapeHtml(raised.error.message)}</p>` : triedList(request, pages);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="NONE,NOARCHIVE">
<title>Page not found at ${escapeHtml(path)}</title><style>${STYLE}</style></head>
<body><header><h1>Page not found <span>(404)</span></h1><table>${table}</table></header>
<main>${body}</main>
<footer><p>You're seeing this error because you have <code>DEBUG = true</code> in your settings. Change that to false, and tsgate will display a standard 404 page.</p></footer></body></html>`;
}

export function notFound(request: Request, pages: StatusPages, raised?: Raised): HttpResponse {
  if (pages.debug) return html(technical404(request, pages, raised), 404);
  return projectPage(pages.render404, 404) ?? text('Not Found\n', 404);
}

export function forbidden(error: PermissionDenied, pages: StatusPages): HttpResponse {
  // The reason is the developer's text: shown in DEBUG only, as Django shows none in production.
  const plain = pages.debug && error.message !== 'Forbidden' ? `403 Forbidden\n\n${error.message}\n` : '403 Forbidden\n';
  return projectPage(pages.render403, 403) ?? text(plain, 403);
}
