/**
 * Running one claimed task: find its function, call it with its arguments
 * and a context, and turn what happened into an outcome — its return value
 * as JSON, or its error with when to try again (exponential back-off with
 * jitter, so tasks that failed together do not all come back together).
 */
import { findTask } from './registry.js';
import { toJson } from './json.js';
import type { ClaimedTask, Outcome } from './types.js';

const MAX_DELAY_MS = 60 * 60 * 1000;

/** When to run attempt `attempts + 1` after a failure: retryDelay × 2^(attempts-1), ±50 % jitter, at most an hour. */
export function retryTime(now: number, attempts: number, retryDelay: number): number {
  const base = Math.min(retryDelay * 1000 * 2 ** Math.max(0, attempts - 1), MAX_DELAY_MS);
  return now + Math.round(base * (0.5 + Math.random()));
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return `thrown: ${typeof error === 'string' ? error : JSON.stringify(error) ?? String(error)}`;
}

export async function runClaimed(claimed: ClaimedTask): Promise<Outcome> {
  const definition = findTask(claimed.name);
  const now = () => Date.now();
  if (!definition) {
    // A worker that does not know the task (an older deployment, a typo in manage tasks enqueue): it fails for good.
    return { id: claimed.id, ok: false, error: `TaskNotFound: no task named '${claimed.name}' in this worker — is it defined in an installed app's tasks module?`, retryAt: null };
  }
  try {
    const args = JSON.parse(claimed.args) as never;
    const value = await definition.fn(args, { id: claimed.id, attempt: claimed.attempts, lastAttempt: claimed.attempts >= claimed.maxAttempts });
    return { id: claimed.id, ok: true, result: value === undefined ? 'null' : toJson(value, `the return value of '${claimed.name}'`, 'value') };
  } catch (error) {
    const retryAt = claimed.attempts < claimed.maxAttempts ? retryTime(now(), claimed.attempts, definition.retryDelay) : null;
    return { id: claimed.id, ok: false, error: describeError(error), retryAt };
  }
}
