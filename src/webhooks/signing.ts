import { createHmac, timingSafeEqual } from 'node:crypto';

/** `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`, the X-Webhook-Signature value. */
export function signPayload(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver does: recompute and compare in constant time. */
export function verifySignature(secret: string, timestamp: string, body: string, signature: string): boolean {
  const expected = Buffer.from(signPayload(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** `message.*` matches `message.received`; `*` matches everything. */
export function eventMatches(patterns: readonly string[], event: string): boolean {
  return patterns.some(
    (p) => p === '*' || p === event || (p.endsWith('.*') && event.startsWith(p.slice(0, -1))),
  );
}
