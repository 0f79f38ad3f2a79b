/**
 * Error reporting: a view's unhandled error, masked, to every reporter
 * (report.ts), and Sentry as one of them when SENTRY_DSN is set (sentry.ts:
 * the SDK is imported only then).
 */
export { addErrorReporter, hasErrorReporters, reportError, type ErrorReport, type ErrorReporter } from './report.js';
export { ErrorReportingError, flushErrorReporting, SENTRY_PACKAGE, sentryConfigured, startErrorReporting } from './sentry.js';
