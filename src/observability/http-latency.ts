import type { FastifyInstance } from 'fastify';

/** p50/p95/p99 of the recent requests' durations, in milliseconds (null before any request). */
export interface LatencySummary {
  /** How many requests the percentiles are taken over (the most recent, at most `window`). */
  samples: number;
  window: number;
  /** Requests answered since the process started. */
  total: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

const WINDOW = 2048;

/**
 * The durations of the last `WINDOW` requests in a ring: recording one is a counter increment and
 * an array write; the percentiles are worked out (a sort of a copy) only when they are asked for.
 */
export class HttpLatency {
  private readonly durations = new Float64Array(WINDOW);
  private count = 0;

  record(ms: number): void {
    this.durations[this.count % WINDOW] = ms;
    this.count++;
  }

  summary(): LatencySummary {
    const samples = Math.min(this.count, WINDOW);
    const sorted = this.durations.slice(0, samples).sort();
    const at = (q: number): number | null => {
      if (samples === 0) return null;
      const value = sorted[Math.min(samples - 1, Math.ceil(q * samples) - 1)] ?? 0;
      return Math.round(value * 100) / 100;
    };
    return { samples, window: WINDOW, total: this.count, p50Ms: at(0.5), p95Ms: at(0.95), p99Ms: at(0.99) };
  }

  /** Times every request the server answers (Fastify's own measure, from arrival to the response). */
  watch(app: FastifyInstance): void {
    app.addHook('onResponse', (_request, reply, done) => {
      this.record(reply.elapsedTime);
      done();
    });
  }
}
