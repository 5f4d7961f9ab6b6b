import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HttpConfig } from '../config.ts';
import type { Principal } from '../domain/tenant.ts';
import { Errors } from '../errors.ts';

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
 * so a valid key from the same address keeps working while a burst of wrong ones is refused.
 */
export function authFailureBudget(
  scope: FastifyInstance,
  http: HttpConfig,
): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  if (http.authFailuresPerMinute === 0) return async () => {};
  const count = scope.createRateLimit({
    max: http.authFailuresPerMinute,
    timeWindow: MINUTE,
    keyGenerator: (request) => `auth-failure:${request.ip}`,
  });
  return async (request, reply) => {
    const state = await count(request);
    if (state.isAllowed || !state.isExceeded) return;
    reply.header('retry-after', state.ttlInSeconds);
    throw Errors.rateLimited(
      `more than ${http.authFailuresPerMinute} requests a minute with a missing or wrong API key`,
      state.ttlInSeconds,
    );
  };
}
