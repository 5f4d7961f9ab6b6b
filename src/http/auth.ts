import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type SessionService, sessionPrincipal } from '../auth/session-service.ts';
import type { TenantService } from '../auth/tenant-service.ts';
import type { HttpConfig } from '../config.ts';
import type { Principal } from '../domain/tenant.ts';
import { Errors } from '../errors.ts';
import { authFailureBudget } from './rate-limits.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

/** The key from `Authorization: Bearer <key>` or `X-Api-Key`. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.toLowerCase().startsWith('bearer ')) return header.slice(7).trim() || undefined;
  const apiKey = request.headers['x-api-key'];
  return (Array.isArray(apiKey) ? apiKey[0] : apiKey) || undefined;
}

/**
 * Every route registered in `scope` requires a key; the principal it names is on
 * `request.principal`. Bound to the routes the router matched, never to the raw URL: the router
 * decodes `/%61pi/…` into `/api/…`, and a check on the URL's text would let it pass. Failures
 * count against the client address's budget (`AUTH_FAILURES_PER_MINUTE`). Without a key, the
 * dashboard's session cookie (`sessions`) names the principal, with its CSRF checks.
 */
export function registerAuth(
  scope: FastifyInstance,
  tenants: TenantService,
  http: HttpConfig,
  sessions?: SessionService,
): void {
  const failed = authFailureBudget(scope, http);
  scope.addHook('onRequest', async (request, reply) => {
    const key = presentedKey(request);
    const principal =
      key || !sessions ? await tenants.authenticate(key) : await sessionPrincipal(request, sessions);
    if (!principal) {
      await failed(request, reply);
      throw Errors.unauthorized();
    }
    request.principal = principal;
  });
}

export function requireAdmin(request: FastifyRequest): void {
  if (request.principal.kind !== 'admin') throw Errors.forbidden('manage tenants (admin key only)');
}
