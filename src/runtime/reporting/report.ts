/**
 * Where a view's unhandled error goes besides the log line (http/errors.ts
 * writes that one always): every reporter registered here gets it once,
 * already masked. Sentry (sentry.ts) is one, started when SENTRY_DSN is set;
 * `addErrorReporter()` is how it (and any other) registers.
 */

/** An unhandled view error as reporters receive it: secrets already masked (http/errors.ts). */
export interface ErrorReport {
  /** A copy of the thrown error: name and stack kept, URL passwords masked in message and stack, its `cause` chain copied the same way. */
  error: Error;
  requestId: string;
  traceId: string;
  spanId: string;
  /** The URL pattern's name (or pattern); undefined when no route matched. */
  route: string | undefined;
  /** `request.user` when tsgate/auth's middleware set one and it is logged in: id and email only. */
  user: { id: number | undefined; email: string } | undefined;
  request: { method: string; path: string; query: string; headers: Record<string, string> };
}

export type ErrorReporter = (report: ErrorReport) => void | Promise<void>;

const reporters = new Set<ErrorReporter>();

/** Adds a reporter; returns the function that removes it. */
export function addErrorReporter(reporter: ErrorReporter): () => void {
  reporters.add(reporter);
  return () => reporters.delete(reporter);
}

export function hasErrorReporters(): boolean {
  return reporters.size > 0;
}

/**
 * Hands the report to every reporter. A reporter that throws or rejects
 * must not turn the 500 into something worse: its failure goes to `onFailure`
 * (the log) and the response goes out.
 */
export function reportError(report: ErrorReport, onFailure: (error: unknown) => void): void {
  for (const reporter of reporters) {
    try {
      const result = reporter(report);
      if (result instanceof Promise) result.catch(onFailure);
    } catch (error) {
      onFailure(error);
    }
  }
}
