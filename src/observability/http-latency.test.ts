import { describe, expect, it } from 'vitest';
import { HttpLatency } from './http-latency.ts';

describe('HttpLatency', () => {
  it('has no percentiles before any request', () => {
    expect(new HttpLatency().summary()).toEqual({
      samples: 0,
      window: 2048,
      total: 0,
      p50Ms: null,
      p95Ms: null,
      p99Ms: null,
    });
  });

  it('takes p50, p95 and p99 over the recorded durations', () => {
    const latency = new HttpLatency();
    // 1..100 ms in a shuffled order: the percentiles do not depend on the order of arrival
    for (let i = 0; i < 100; i++) latency.record(((i * 37) % 100) + 1);
    expect(latency.summary()).toMatchObject({ samples: 100, total: 100, p50Ms: 50, p95Ms: 95, p99Ms: 99 });
  });

  it('keeps only the most recent window of requests, counting all of them', () => {
    const latency = new HttpLatency();
    for (let i = 0; i < 2048; i++) latency.record(1_000);
    for (let i = 0; i < 2048; i++) latency.record(2);
    expect(latency.summary()).toMatchObject({ samples: 2048, total: 4096, p50Ms: 2, p99Ms: 2 });
  });
});
