/** What a load run is asked for and what it reports, whichever generator runs it. */
export interface LoadConfig {
  url: string;
  pathPrefix: string;
  devices: number;
  connections: number;
  duration: number;
  token?: string;
  /** A file of request paths (after `pathPrefix`), one per line, instead of `dev-%06d` ids (wrk only). */
  pathsFile?: string;
  /** Every id in order, round and round, instead of random ids (wrk only: for warming every device). */
  sequential?: boolean;
}

export interface LoadResult {
  requestsPerSecond: number;
  total: number;
  /** Latency percentiles in milliseconds. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Answers with a status of 400 or more (wrk counts these; autocannon counts every non-2xx). */
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** The ids the bench seeds: `dev-000000` … (the wrk script builds the same, see wrk.ts). */
export const deviceId = (i: number) => `dev-${String(i).padStart(6, '0')}`;
