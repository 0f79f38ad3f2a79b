/**
 * The request metrics a worker keeps when the server serves metrics:
 * counts by method, route and status, latency by route, requests in flight,
 * bytes in and out. `route` is the name of the URL pattern that answered
 * (its pattern when it has no name), never the path: the values are as
 * many as the routes, whatever clients ask for.
 */
import { performance } from 'node:perf_hooks';
import type { Registry } from './registry.js';

/** The environ key where the application puts the route that answered (http/ and staticfiles/ set it). */
export const ROUTE_KEY = 'tsgate.route';
/** The route label of a request no URL pattern matched (a 404 from routing). */
export const UNMATCHED_ROUTE = '(unmatched)';
/** Requests the server refused before the app saw them (a limit broken). */
export const REFUSED_ROUTE = '(refused)';
/** Requests answered by the static files layer. */
export const STATIC_ROUTE = '(static)';

/**
 * Methods kept as they are, by their index in a route's table; anything else
 * is counted as `OTHER` (the last index), so a client cannot invent label values.
 */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT', 'OTHER'] as const;
const METHOD_INDEX = new Map<string, number>(METHODS.map((method, i) => [method, i]));
const OTHER_METHOD = METHODS.length - 1;

/** The bound series of one method, route and status: found once, then each request is a few additions. */
interface Bound {
  count: (by?: number) => void;
  observe: (seconds: number) => void;
  bytesIn: (by?: number) => void;
  bytesOut: (by?: number) => void;
}

export class RequestMetrics {
  private readonly requests;
  private readonly duration;
  private readonly bytesIn;
  private readonly bytesOut;
  /**
   * Route → (status × methods + method) → its bound series. Looked up with
   * the route string as the app set it and a number, so a request builds no
   * key string (a template key cost a string and its hash per request).
   */
  private readonly bound = new Map<string, Map<number, Bound>>();
  private boundCount = 0;
  /** Requests begun and not ended: a plain number, read into the gauge when a snapshot is taken. */
  private active = 0;

  constructor(registry: Registry) {
    this.requests = registry.counter({ name: 'http_requests_total', help: 'HTTP requests answered, by method, route (URL pattern name) and status', labelNames: ['method', 'route', 'status'] });
    this.duration = registry.histogram({ name: 'http_request_duration_seconds', help: 'Time from a request arriving to its response finishing, by route', labelNames: ['route'] });
    registry.gauge({ name: 'http_requests_in_flight', help: 'Requests being answered now, all workers', collect: (gauge) => gauge.set(this.active) });
    this.bytesIn = registry.counter({ name: 'http_request_bytes_total', help: 'Request body bytes read by the application, by route', labelNames: ['route'] });
    this.bytesOut = registry.counter({ name: 'http_response_bytes_total', help: 'Response body bytes sent, by route', labelNames: ['route'] });
  }

  /** A request arrived: returns its start time (performance.now(), ms) for `end()`. */
  begin(): number {
    this.active++;
    return performance.now();
  }

  end(start: number, method: string, route: unknown, status: number, bytesIn: number, bytesOut: number): void {
    const seconds = (performance.now() - start) / 1000;
    this.active--;
    const name = typeof route === 'string' ? route : UNMATCHED_ROUTE;
    const verb = METHOD_INDEX.get(method) ?? OTHER_METHOD;
    const key = status * METHODS.length + verb;
    let byRoute = this.bound.get(name);
    let bound = byRoute?.get(key);
    if (!bound) {
      bound = {
        count: this.requests.bind([METHODS[verb] as string, name, String(status)]),
        observe: this.duration.bind([name]),
        bytesIn: this.bytesIn.bind([name]),
        bytesOut: this.bytesOut.bind([name]),
      };
      // Routes, methods and statuses are few; past MAX_SERIES the registry drops new ones anyway.
      if (this.boundCount < 10_000) {
        if (!byRoute) this.bound.set(name, (byRoute = new Map()));
        byRoute.set(key, bound);
        this.boundCount++;
      }
    }
    bound.count();
    bound.observe(seconds);
    if (bytesIn > 0) bound.bytesIn(bytesIn);
    if (bytesOut > 0) bound.bytesOut(bytesOut);
  }
}
