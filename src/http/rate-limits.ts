import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HttpConfig } from '../config.ts';
import type { Principal } from '../domain/tenant.ts';
import { Errors } from '../errors.ts';
import { AuthFailureBudget } from './auth-failure-budget.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Failed authentications per client address, shared by HTTP and socket.io. */
    authFailures: AuthFailureBudget;
  }
}

const MINUTE = 60_000;

/** Set on a request by the key check; routes that need no key leave it unset. */
const principalOf = (request: FastifyRequest): Principal | undefined =>
  (request as { principal?: Principal }).principal;

/**
 * `RATE_LIMIT_PER_MINUTE` for every route registered after this: per tenant key once the key check
 * ran, per client address on the routes that need no key. The admin key is not limited: whoever
 * holds it can do anything anyway, and benchmarks drive thousands of requests a second with it.
 */
export function registerRateLimits(app: FastifyInstance, http: HttpConfig): void {
  app.decorate('authFailures', new AuthFailureBudget(http.authFailuresPerMinute));
  // registered even when off, so that the key check can use its failure budget
  app.register(rateLimit, {
    global: http.rateLimitPerMinute > 0,
    max: http.rateLimitPerMinute,
    timeWindow: MINUTE,
    keyGenerator: (request) => {
      const principal = principalOf(request);
      if (!principal) return `ip:${request.ip}`;
      return principal.kind === 'admin' ? 'key:admin' : `key:${principal.keyId}`;
    },
    allowList: (request) => principalOf(request)?.kind === 'admin',
    errorResponseBuilder: (_request, context) =>
      Errors.rateLimited(`more than ${context.max} requests a minute`, Math.ceil(context.ttl / 1000)),
  });
}

/**
 * `AUTH_FAILURES_PER_MINUTE` for requests with a missing or wrong key, per client address: called
 * once a key failed, it throws the 429 when the address is over its budget. Only failures count,
 * so a valid key from the same address keeps working while a burst of wrong ones is refused. The
 * budget is the server's one (`app.authFailures`), which socket.io handshakes draw on too.
 */
export function authFailureBudget(
  scope: FastifyInstance,
  http: HttpConfig,
): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  if (http.authFailuresPerMinute === 0) return async () => {};
  const budget = scope.authFailures ?? new AuthFailureBudget(http.authFailuresPerMinute);
  return async (request, reply) => {
    const verdict = budget.fail(request.ip);
    if (verdict.firstOver)
      request.log.warn({ client: request.ip }, 'missing or wrong API keys past AUTH_FAILURES_PER_MINUTE');
    if (!verdict.limited) return;
    reply.header('retry-after', verdict.retryAfterSeconds);
    throw Errors.rateLimited(
      `more than ${http.authFailuresPerMinute} requests a minute with a missing or wrong API key`,
      verdict.retryAfterSeconds,
    );
  };
}
