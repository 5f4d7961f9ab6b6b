import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { eventMatches, signPayload, verifySignature } from './signing.ts';

describe('webhook signing', () => {
  it('signs timestamp.body with HMAC-SHA256 and verifies it', () => {
    const sig = signPayload('s3cret', '1700000000', '{"a":1}');
    expect(sig).toBe(`sha256=${createHmac('sha256', 's3cret').update('1700000000.{"a":1}').digest('hex')}`);
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifySignature('s3cret', '1700000000', '{"a":1}', sig)).toBe(true);
    expect(verifySignature('other', '1700000000', '{"a":1}', sig)).toBe(false);
    expect(verifySignature('s3cret', '1700000001', '{"a":1}', sig)).toBe(false);
  });

  it('matches event filters with wildcards', () => {
    expect(eventMatches(['message.*'], 'message.received')).toBe(true);
    expect(eventMatches(['message.*'], 'instance.status')).toBe(false);
    expect(eventMatches(['*'], 'call.received')).toBe(true);
    expect(eventMatches(['instance.status', 'message.status'], 'message.status')).toBe(true);
    expect(eventMatches([], 'message.status')).toBe(false);
  });
});
