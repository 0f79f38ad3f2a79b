// The part of autocannon's programmatic API the benchmarks use (autocannon ships no types).
declare module 'autocannon' {
  export interface Options {
    url: string;
    duration?: number;
    connections?: number;
    pipelining?: number;
    timeout?: number;
    /** Requests in all, instead of `duration`. */
    amount?: number;
    method?: string;
    body?: string;
    headers?: Record<string, string>;
    /** Called with each response body (a string); a false return counts as a mismatch. */
    verifyBody?: (body: string) => boolean;
    /** Called with each connection's client as it is created (before its first connect). */
    setupClient?: (client: Client) => void;
  }
  /**
   * One of autocannon's connections (lib/httpClient.js). The underscored
   * members are internal; bench/lib/harness.js uses them, guarded, to open a
   * new connection per request.
   */
  export interface Client {
    conn: unknown;
    reqsMade: number;
    responseMax?: number;
    _doRequest(): void;
    _resetConnection(): void;
  }
  /** autocannon's histogram summary: mean, spread and percentiles. */
  export interface Histogram {
    average: number;
    mean: number;
    stddev: number;
    min: number;
    max: number;
    total: number;
    p50: number;
    p90: number;
    p99: number;
    p99_9: number;
  }
  export interface Result {
    requests: Histogram;
    latency: Histogram;
    throughput: Histogram;
    errors: number;
    timeouts: number;
    non2xx: number;
    /** Responses whose body `verifyBody` rejected. */
    mismatches: number;
    /** Responses by status code. */
    statusCodeStats: Record<string, { count: number }>;
    duration: number;
  }
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
