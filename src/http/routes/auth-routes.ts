import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { type Credentials, type SessionService, sessionPrincipal } from '../../auth/session-service.ts';
import { readCookie, SESSION_COOKIE, sessionCookie } from '../../auth/session-tokens.ts';
import type { HttpConfig } from '../../config.ts';
import type { Principal } from '../../domain/tenant.ts';
import { Errors } from '../../errors.ts';
import { authFailureBudget } from '../rate-limits.ts';
import { ErrorBody } from '../schemas.ts';

const tags = ['auth'];

const LoginBody = Type.Union(
  [
    Type.Object(
      { apiKey: Type.String({ minLength: 1, maxLength: 512, description: 'an admin or tenant API key' }) },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        username: Type.String({ minLength: 1, maxLength: 256, description: 'ADMIN_USER' }),
        password: Type.String({ minLength: 1, maxLength: 1024, description: 'ADMIN_PASSWORD' }),
      },
      { additionalProperties: false },
    ),
  ],
  { examples: [{ apiKey: 'zg_…' }, { username: 'admin', password: 'correct horse battery staple' }] },
);

const SessionBody = Type.Object(
  {
    kind: Type.Union([Type.Literal('admin'), Type.Literal('tenant')]),
    tenantId: Type.Union([Type.String(), Type.Null()]),
    expiresAt: Type.String({ format: 'date-time' }),
  },
  { examples: [{ kind: 'tenant', tenantId: '3f0c…', expiresAt: '2026-12-01T12:00:00.000Z' }] },
);

const sessionJson = (principal: Principal, expiresAt: Date) => ({
  kind: principal.kind,
  tenantId: principal.kind === 'tenant' ? principal.tenantId : null,
  expiresAt: expiresAt.toISOString(),
});

const secure = (request: FastifyRequest) => request.protocol === 'https';

/**
 * `/auth/login`, `/auth/logout`, `/auth/session`: the dashboard's cookie session. These need no key
 * (they are how one signs in); wrong credentials count against the same per-address budget as
 * wrong keys (`AUTH_FAILURES_PER_MINUTE`).
 */
export const authRoutes =
  (sessions: SessionService, http: HttpConfig): FastifyPluginAsyncTypebox =>
  async (app) => {
    const failed = authFailureBudget(app, http);

    app.post(
      '/auth/login',
      {
        schema: {
          tags,
          security: [],
          summary: 'Sign in with an API key or ADMIN_USER/ADMIN_PASSWORD: sets the session cookie',
          body: LoginBody,
          response: { 200: SessionBody, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
        },
      },
      async (request, reply) => {
        const principal = await sessions.login(request.body as Credentials);
        if (!principal) {
          await failed(request, reply);
          throw Errors.invalidCredentials();
        }
        const { token, expiresAt } = sessions.issue(principal);
        const maxAge = Math.floor(sessions.ttlMs / 1000);
        reply.header('set-cookie', sessionCookie(token, maxAge, secure(request)));
        reply.header('cache-control', 'no-store');
        return sessionJson(principal, expiresAt);
      },
    );

    app.post(
      '/auth/logout',
      {
        schema: {
          tags,
          security: [],
          summary: 'Sign out: clears the session cookie (send X-Requested-With)',
          response: { 204: Type.Null(), 403: ErrorBody },
        },
      },
      async (request, reply) => {
        // refuses a cross-site logout like any other change made on the cookie's strength
        await sessionPrincipal(request, sessions);
        return clear(request, reply).status(204).send(null);
      },
    );

    app.get(
      '/auth/session',
      {
        schema: {
          tags,
          security: [],
          summary: 'Who the session cookie signs in: the admin or a tenant',
          response: { 200: SessionBody, 401: ErrorBody },
        },
      },
      async (request) => {
        const token = readCookie(request.headers.cookie, SESSION_COOKIE);
        const session = token ? await sessions.principalOf(token) : undefined;
        if (!session) throw Errors.unauthorized();
        return sessionJson(session.principal, session.expiresAt);
      },
    );
  };

function clear(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply.header('set-cookie', sessionCookie('', 0, secure(request)));
}
