/**
 * What a serving process starts before it loads the application, and
 * flushes before it exits: the OpenTelemetry SDK when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set (the app's database and views are then
 * traced from their first query) and Sentry when SENTRY_DSN is set. One
 * function for `serve`'s workers and `runserver`'s server process, so the
 * development server reports and traces exactly as production does.
 */
import { ErrorReportingError, flushErrorReporting, startErrorReporting } from '../reporting/index.js';
import { shutdownTracing, startTracing, TracingError } from '../tracing/index.js';

/** Starts tracing, then error reporting, each only when its variable is set. */
export async function startMonitoring(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  await startTracing(env);
  await startErrorReporting(env);
}

/** Sends the spans and error events still buffered; a process calls it before it exits. */
export async function flushMonitoring(): Promise<void> {
  await Promise.all([shutdownTracing(), flushErrorReporting()]);
}

/** A start-up failure the user fixes by installing a package or fixing a variable: shown as its message, no stack. */
export function isMonitoringError(error: unknown): error is TracingError | ErrorReportingError {
  return error instanceof TracingError || error instanceof ErrorReportingError;
}
