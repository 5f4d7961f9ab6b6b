import type { Result } from 'autocannon';
import { round } from './proc.ts';

/** What the benchmarks keep of an autocannon run: 2xx per second, the failures, the latency. */
export interface LoadSummary {
  requestsPerSecond: number;
  total2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; average: number };
}

export function summariseLoad(r: Result): LoadSummary {
  return {
    requestsPerSecond: round(r['2xx'] / r.duration, 0),
    total2xx: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    latencyMs: {
      p50: r.latency.p50,
      p90: r.latency.p90,
      p99: r.latency.p99,
      max: r.latency.max,
      average: round(r.latency.average, 2),
    },
  };
}
