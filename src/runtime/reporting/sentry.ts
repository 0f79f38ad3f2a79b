/**
 * Sentry, when SENTRY_DSN is set: @sentry/node (an optional dependency of
 * the runtime) is imported then and only then. Current @sentry/node sets up
 * OpenTelemetry itself, which would fight tracing/'s own provider, so it is
 * started with that setup skipped and without its default integrations
 * (they patch http, console and more, and add data nobody masked): the one
 * event per error is the ErrorReport, captured explicitly. SENTRY_ENVIRONMENT
 * and SENTRY_RELEASE are read by the SDK itself.
 */
import { addErrorReporter, type ErrorReport } from './report.js';

export const SENTRY_PACKAGE = '@sentry/node';

export class ErrorReportingError extends Error {
  override name = 'ErrorReportingError';
}

type SentryModule = typeof import('@sentry/node');

let sentry: SentryModule | undefined;

export function sentryConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.SENTRY_DSN);
}

/** Starts Sentry (once per process) when SENTRY_DSN is set; returns whether it did. */
export async function startErrorReporting(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (sentry) return true;
  if (!sentryConfigured(env)) return false;
  let module: SentryModule;
  try {
    module = (await import(SENTRY_PACKAGE)) as SentryModule;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new ErrorReportingError(`SENTRY_DSN is set, which needs the Sentry SDK: npm install ${SENTRY_PACKAGE}`);
  }
  const client = module.init({
    dsn: env.SENTRY_DSN,
    skipOpenTelemetrySetup: true,
    defaultIntegrations: false,
    integrations: [module.linkedErrorsIntegration()],
    sendDefaultPii: false,
  });
  if (!client) throw new ErrorReportingError('SENTRY_DSN is set but the Sentry SDK did not start (is the DSN valid?)');
  sentry = module;
  addErrorReporter(toSentry);
  return true;
}

function toSentry(report: ErrorReport): void {
  const s = sentry;
  if (!s) return;
  // A scope of this error's own, captured on directly: it is the event's current scope, so the
  // envelope's trace header (built from the scope's propagation context) names the request's trace
  // too, not one the SDK made up; nothing depends on which async context the SDK thinks is active.
  const scope = s.getCurrentScope().clone();
  scope.setPropagationContext({ traceId: report.traceId, sampleRand: Math.random() });
  scope.update({
    level: 'error',
    tags: { request_id: report.requestId, trace_id: report.traceId, ...(report.route === undefined ? {} : { route: report.route }) },
    ...(report.user ? { user: { ...(report.user.id === undefined ? {} : { id: String(report.user.id) }), email: report.user.email } } : {}),
    contexts: {
      trace: { trace_id: report.traceId, span_id: report.spanId },
      request: { method: report.request.method, url: report.request.path, query_string: report.request.query, headers: headerNames(report.request.headers) },
    },
  });
  scope.captureException(report.error);
}

/** `HTTP_USER_AGENT` → `user-agent`, as Sentry shows request headers. */
function headerNames(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([key, value]) => [key.replace(/^HTTP_/, '').toLowerCase().replaceAll('_', '-'), value]));
}

/** Sends what is queued; a worker calls it before it exits. */
export async function flushErrorReporting(timeoutMs = 2000): Promise<void> {
  await sentry?.flush(timeoutMs).catch(() => undefined);
}
