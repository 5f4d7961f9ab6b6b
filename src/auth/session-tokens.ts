import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Principal } from '../domain/tenant.ts';

/** The dashboard's session cookie. */
export const SESSION_COOKIE = 'zg_session';

/** What a session token carries: who signed in, and until when (ms since the epoch). */
export interface SessionClaims {
  principal: Principal;
  expiresAt: number;
}

/**
 * Signs and checks session tokens: `base64url(JSON claims).base64url(HMAC-SHA256)`. The signing key
 * is derived from a secret the gateway keeps (the admin key), so a changed admin key ends every
 * session, and nothing new has to be stored.
 */
export class SessionTokens {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('zapgate dashboard session v1').digest();
  }

  sign(claims: SessionClaims): string {
    const body = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  /** The claims of a well-signed token that has not expired; undefined for anything else. */
  verify(token: string, now = Date.now()): SessionClaims | undefined {
    const [body, mac, extra] = token.split('.');
    if (!body || !mac || extra !== undefined) return undefined;
    const expected = Buffer.from(this.mac(body), 'utf8');
    const given = Buffer.from(mac, 'utf8');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    const claims = parseClaims(Buffer.from(body, 'base64url').toString('utf8'));
    return claims && claims.expiresAt > now ? claims : undefined;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}

function parseClaims(json: string): SessionClaims | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined; // only reachable with a valid signature over garbage: never issued by us
  }
  const claims = value as Partial<SessionClaims> | null;
  const principal = claims?.principal;
  if (typeof claims?.expiresAt !== 'number' || !principal) return undefined;
  if (principal.kind === 'admin') return { principal: { kind: 'admin' }, expiresAt: claims.expiresAt };
  if (
    principal.kind === 'tenant' &&
    typeof principal.tenantId === 'string' &&
    typeof principal.keyId === 'string'
  )
    return {
      principal: { kind: 'tenant', tenantId: principal.tenantId, keyId: principal.keyId },
      expiresAt: claims.expiresAt,
    };
  return undefined;
}

/** The value of one cookie from a `Cookie` header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/** A `Set-Cookie` value for the session (an empty value with Max-Age=0 clears it). */
export function sessionCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  const attributes = [`${SESSION_COOKIE}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict'];
  attributes.push(`Max-Age=${maxAgeSeconds}`);
  if (secure) attributes.push('Secure');
  return attributes.join('; ');
}
