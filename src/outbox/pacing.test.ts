import { describe, expect, it } from 'vitest';
import { dailyAllowance, delayBetweenSends, type Pacing, resolvePacing, typingTime } from './pacing.ts';

const defaults: Pacing = {
  minDelayMs: 2000,
  maxDelayMs: 6000,
  typing: true,
  dailyLimit: 1000,
  warmupStart: 50,
};
const DAY = 86_400_000;

describe('pacing', () => {
  it('lets an instance override the defaults, and 0 turn a knob off', () => {
    const p = resolvePacing(defaults, {
      pacing: { minDelayMs: 0, maxDelayMs: 0, typing: false, dailyLimit: 0, warmupStart: 0 },
    });
    expect(p).toEqual({ minDelayMs: 0, maxDelayMs: 0, typing: false, dailyLimit: 0, warmupStart: 0 });
    expect(delayBetweenSends(p)).toBe(0);
    expect(typingTime(p, 'hello')).toBe(0);
    expect(dailyAllowance(p, 0)).toBe(Number.POSITIVE_INFINITY);
    expect(resolvePacing(defaults, { pacing: { minDelayMs: -5, maxDelayMs: 'x' } })).toEqual(defaults);
  });

  it('waits a random time between min and max', () => {
    expect(delayBetweenSends(defaults, () => 0)).toBe(2000);
    expect(delayBetweenSends(defaults, () => 1)).toBe(6000);
    expect(resolvePacing(defaults, { pacing: { minDelayMs: 9000 } }).maxDelayMs).toBe(9000);
  });

  it('types longer for longer texts, within bounds', () => {
    expect(typingTime(defaults, 'hi')).toBe(500);
    expect(typingTime(defaults, 'x'.repeat(100))).toBe(4000);
    expect(typingTime(defaults, 'x'.repeat(10_000))).toBe(8000);
  });

  it('ramps a new number up day by day to the daily limit', () => {
    expect([0, 1, 2, 3, 4, 5].map((d) => dailyAllowance(defaults, d * DAY + 1))).toEqual([
      50, 100, 200, 400, 800, 1000,
    ]);
  });
});
