import type { Server as HttpServer, IncomingHttpHeaders } from 'node:http';
import { Server } from 'socket.io';
import { handshakePrincipal, type SessionService } from '../auth/session-service.ts';
import type { TenantService } from '../auth/tenant-service.ts';
import type { HttpConfig } from '../config.ts';
import type { Principal } from '../domain/tenant.ts';
import { Errors, ZapgateError } from '../errors.ts';
import type { AuthFailureBudget } from '../http/auth-failure-budget.ts';
import { clientAddressOf } from '../http/client-address.ts';
import type { InstanceService } from '../instances/instance-service.ts';
import type { Logger } from '../observability/logger.ts';
import type { EventBus } from './event-bus.ts';
import {
  ADMIN_ROOM,
  defaultRoomOf,
  handleSubscriptions,
  instanceRoom,
  tenantRoom,
} from './socket-io-rooms.ts';

type Handshake = { auth: Record<string, unknown>; headers: IncomingHttpHeaders };

/** The key in the handshake (`auth.apiKey`, Bearer or X-Api-Key), or else the dashboard's session cookie. */
function principalOf(
  { auth, headers }: Handshake,
  deps: { tenants: TenantService; sessions?: SessionService },
): Promise<Principal | undefined> {
  const bearer =
    typeof headers.authorization === 'string' ? headers.authorization.replace(/^Bearer\s+/i, '') : undefined;
  const header = headers['x-api-key'];
  const key =
    (typeof auth.apiKey === 'string' ? auth.apiKey : undefined) ??
    bearer ??
    (typeof header === 'string' ? header : undefined);
  if (key || !deps.sessions) return deps.tenants.authenticate(key);
  return handshakePrincipal(headers, deps.sessions);
}

/**
 * A handshake with a missing or wrong key: it counts against the HTTP server's failure budget for
 * the client's address; past the budget the refusal is the 429 code with a retry hint in `data`.
 */
function refusedHandshake(
  address: string,
  deps: { http: HttpConfig; logger: Logger; authFailures?: AuthFailureBudget },
): Error {
  const verdict = deps.authFailures?.fail(address);
  if (verdict?.firstOver)
    deps.logger.warn(
      { client: address },
      'missing or wrong API keys past AUTH_FAILURES_PER_MINUTE (socket.io)',
    );
  if (!verdict?.limited) return new Error('ZG_ERR_UNAUTHORIZED: missing or invalid API key');
  const refused = Errors.rateLimited(
    `more than ${deps.http.authFailuresPerMinute} handshakes and requests a minute with a missing or wrong API key`,
    verdict.retryAfterSeconds,
  );
  // the client sees `data` on its connect_error
  return Object.assign(new Error(`${refused.code}: ${refused.message}`), {
    data: { code: refused.code, retryAfterSeconds: verdict.retryAfterSeconds },
  });
}

/**
 * socket.io at /socket.io: the API key in the handshake (`auth: { apiKey }` or the usual headers),
 * events as `event` messages with the same envelope as webhooks and SSE. A socket sees every
 * instance of its key, or with `auth.instance` (id or name) only that instance's room, until it
 * subscribes to instances of its own choice (socket-io-rooms.ts). Without a key, the dashboard's
 * session cookie names the principal, from the gateway's own origin only.
 */
export function attachSocketIo(
  server: HttpServer,
  deps: {
    tenants: TenantService;
    instances: InstanceService;
    bus: EventBus;
    logger: Logger;
    /** The HTTP settings; the environment's when not given. */
    http: HttpConfig;
    /** The HTTP server's failed-authentication budget: wrong keys in handshakes count against it. */
    authFailures?: AuthFailureBudget;
    /** The dashboard's cookie sessions, accepted as a key is. */
    sessions?: SessionService;
  },
): () => Promise<void> {
  const { http } = deps;
  // the same browser origins as the API's CORS (ALLOWED_ORIGINS); none by default
  const origin = http.allowedOrigins.length > 0 ? http.allowedOrigins : false;
  const io = new Server(server, { path: '/socket.io', serveClient: false, cors: { origin } });
  const clientAddress = clientAddressOf(http.trustProxy);
  io.use((socket, next) => {
    const { auth } = socket.handshake;
    principalOf(socket.handshake, deps)
      .then(async (principal) => {
        if (!principal) return next(refusedHandshake(clientAddress(socket.request), deps));
        if (deps.tenants.streams.count(principal) >= http.maxStreamsPerKey)
          return next(new Error(`ZG_ERR_RATE_LIMITED: ${Errors.streamLimit(http.maxStreamsPerKey).message}`));
        const boundInstance =
          typeof auth.instance === 'string' && auth.instance
            ? await deps.instances.find(principal, auth.instance)
            : undefined;
        const scope = { principal, ...(boundInstance ? { boundInstance } : {}) };
        await socket.join(defaultRoomOf(scope));
        handleSubscriptions(socket, scope, deps);
        // a revoked key, or its deleted tenant, takes its sockets with it
        const release = deps.tenants.streams.bind(principal, () => socket.disconnect(true));
        socket.on('disconnect', release);
        next();
      })
      .catch((err: Error) =>
        next(new Error(err instanceof ZapgateError ? `${err.code}: ${err.message}` : err.message)),
      );
  });
  const unsubscribe = deps.bus.subscribe((event) => {
    const rooms = [
      ADMIN_ROOM,
      instanceRoom(event.instance.id),
      ...(event.tenantId ? [tenantRoom(event.tenantId)] : []),
    ];
    io.to(rooms).emit('event', event);
  });
  return async () => {
    unsubscribe();
    // the HTTP server is Fastify's to close; here only the sockets go
    io.disconnectSockets(true);
  };
}
