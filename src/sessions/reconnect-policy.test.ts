import { describe, expect, it } from 'vitest';
import { reconnectDelay } from './reconnect-policy.ts';

describe('reconnectDelay', () => {
  it('doubles from the base up to the cap', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 10].map((a) => reconnectDelay(a, 1000, 30_000, mid))).toEqual([
      1000, 2000, 4000, 8000, 30_000,
    ]);
  });

  it('spreads delays by a quarter either way and never passes the cap', () => {
    expect(reconnectDelay(3, 1000, 60_000, () => 0)).toBe(3000);
    expect(reconnectDelay(3, 1000, 60_000, () => 1)).toBe(5000);
    expect(reconnectDelay(20, 1000, 60_000, () => 1)).toBe(60_000);
  });
});
