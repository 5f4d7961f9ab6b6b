import type { FastifyRequest } from 'fastify';
import type { Principal } from '../domain/tenant.ts';
import { Errors, ZapgateError } from '../errors.ts';
import { sameSecret } from './api-keys.ts';
import { readCookie, SESSION_COOKIE, SessionTokens } from './session-tokens.ts';
import type { TenantService } from './tenant-service.ts';

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/** The header a dashboard request sends with a cookie session: a cross-site form cannot set it. */
export const CSRF_HEADER = 'x-requested-with';

/** `ADMIN_USER` / `ADMIN_PASSWORD`: a sign-in for the operator besides the admin key (both or none). */
export interface OperatorLogin {
  user: string | undefined;
  password: string | undefined;
}

export type Credentials = { apiKey: string } | { username: string; password: string };

/**
 * Dashboard sessions: a sign-in with an API key or the operator's user and password gives a signed,
 * expiring token (the cookie) that names the same principal the key would. A tenant's session holds
 * its key's id, and ends when that key is revoked or the tenant deleted.
 */
export class SessionService {
  private readonly tokens: SessionTokens;

  constructor(
    secret: string,
    private readonly tenants: TenantService,
    private readonly operator: OperatorLogin,
    readonly ttlMs = SESSION_TTL_MS,
  ) {
    this.tokens = new SessionTokens(secret);
  }

  /** Who these credentials name, or undefined when they name nobody. */
  async login(credentials: Credentials): Promise<Principal | undefined> {
    if ('apiKey' in credentials) return this.tenants.authenticate(credentials.apiKey);
    const { user, password } = this.operator;
    if (!user || !password) return undefined;
    // both compared every time, in constant time: the answer says nothing about which one was wrong
    const userOk = sameSecret(credentials.username, user);
    const passwordOk = sameSecret(credentials.password, password);
    return userOk && passwordOk ? { kind: 'admin' } : undefined;
  }

  issue(principal: Principal, now = Date.now()): { token: string; expiresAt: Date } {
    const expiresAt = now + this.ttlMs;
    return { token: this.tokens.sign({ principal, expiresAt }), expiresAt: new Date(expiresAt) };
  }

  /** The principal of a valid, unexpired token whose key still works. */
  async principalOf(token: string): Promise<{ principal: Principal; expiresAt: Date } | undefined> {
    const claims = this.tokens.verify(token);
    if (!claims) return undefined;
    const { principal } = claims;
    if (principal.kind === 'tenant' && !(await this.keyIsActive(principal.tenantId, principal.keyId)))
      return undefined;
    return { principal, expiresAt: new Date(claims.expiresAt) };
  }

  private async keyIsActive(tenantId: string, keyId: string): Promise<boolean> {
    try {
      const keys = await this.tenants.listKeys(tenantId);
      return keys.some((k) => k.id === keyId && !k.revokedAt);
    } catch (err) {
      if (err instanceof ZapgateError && err.statusCode === 404) return false; // the tenant is gone
      throw err;
    }
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The principal of the request's session cookie, if it has a valid one. A request that changes
 * something on a cookie's strength must also carry `X-Requested-With` (which a cross-site form or
 * image cannot send, and CORS does not allow) and, when the browser names its Origin, come from the
 * gateway's own: the cookie alone cannot be ridden by another site.
 */
export async function sessionPrincipal(
  request: FastifyRequest,
  sessions: SessionService,
): Promise<Principal | undefined> {
  const token = readCookie(request.headers.cookie, SESSION_COOKIE);
  if (!token) return undefined;
  const session = await sessions.principalOf(token);
  if (!session) return undefined;
  if (!SAFE_METHODS.has(request.method)) requireSameOriginWrite(request);
  return session.principal;
}

function requireSameOriginWrite(request: FastifyRequest): void {
  if (!request.headers[CSRF_HEADER]) throw Errors.csrf(`a ${CSRF_HEADER} header`);
  const { origin, host } = request.headers;
  if (!isOwnOrigin(origin, host)) throw Errors.csrf(`the gateway's own origin (not ${origin})`);
}

/** A browser that names its Origin names the gateway's own host (`Host`); no Origin: not a browser's cross-site request. */
export function isOwnOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  return (URL.canParse(origin) ? new URL(origin).host : undefined) === host;
}

/**
 * The principal of a socket.io handshake's session cookie. Browsers send Origin with every
 * WebSocket handshake and CORS does not guard one, so the cookie counts only from the gateway's
 * own origin, as for the cookie's writes over HTTP.
 */
export async function handshakePrincipal(
  headers: { cookie?: string; origin?: string; host?: string },
  sessions: SessionService,
): Promise<Principal | undefined> {
  const token = readCookie(headers.cookie, SESSION_COOKIE);
  if (!token) return undefined;
  if (!isOwnOrigin(headers.origin, headers.host))
    throw Errors.csrf(`the gateway's own origin (not ${headers.origin})`);
  return (await sessions.principalOf(token))?.principal;
}
