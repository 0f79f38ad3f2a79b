/**
 * The process's registry, which `tsgate/metrics` exports as `metrics`, and
 * whether the server asked for the built-in instrumentation (`serve
 * --metrics-bind`): without it the server, the database and static files
 * record nothing, and an app's own metrics cost an addition each.
 */
import { Registry } from './registry.js';

export const metrics = new Registry();

let enabled = false;

/** Turns the built-in instrumentation on in this process (a worker of a server with --metrics-bind). */
export function enableMetrics(): void {
  enabled = true;
}

export function metricsEnabled(): boolean {
  return enabled;
}
