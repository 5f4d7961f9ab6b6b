import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/** `zg_` + 32 random bytes in base64url: long enough to never collide, easy to spot in a config file. */
export function generateApiKey(): { key: string; prefix: string; hash: string; id: string } {
  const key = `zg_${randomBytes(32).toString('base64url')}`;
  return { key, prefix: key.slice(0, 10), hash: hashApiKey(key), id: randomUUID() };
}

/** Keys are stored as SHA-256: they are random, so a slow hash adds nothing but latency. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function sameSecret(a: string, b: string): boolean {
  return sameHash(hashApiKey(a), hashApiKey(b));
}

/** Two hashApiKey results compared in constant time. */
export function sameHash(a: string, b: string): boolean {
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}
