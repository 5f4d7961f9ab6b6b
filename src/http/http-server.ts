import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { SessionService } from '../auth/session-service.ts';
import type { TenantService } from '../auth/tenant-service.ts';
import type { HttpConfig } from '../config.ts';
import type { ContactService } from '../contacts/contact-service.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { GroupService } from '../groups/group-service.ts';
import type { InstanceService } from '../instances/instance-service.ts';
import type { LinkWait } from '../instances/link-wait.ts';
import type { HttpLatency } from '../observability/http-latency.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { StatsService } from '../observability/stats.ts';
import type { CampaignService } from '../outbox/campaign-service.ts';
import type { MessageService } from '../outbox/message-service.ts';
import type { StatusService } from '../outbox/status-service.ts';
import type { SandboxLink } from '../sandbox/sandbox-link.ts';
import { sandboxRoutes } from '../sandbox/sandbox-routes.ts';
import type { Store } from '../store/repositories.ts';
import type { WebhookService } from '../webhooks/webhook-service.ts';
import { registerAuth } from './auth.ts';
import { fastifyTrustProxy } from './client-address.ts';
import { registerErrorHandling } from './error-handler.ts';
import { clientErrorHandler, frameworkErrors } from './framework-errors.ts';
import { registerJsonBody } from './json-body.ts';
import { lazySchemaCompilers } from './lazy-schema-compilers.ts';
import { registerNulGuard } from './nul-guard.ts';
import { openapiOptions } from './openapi/document.ts';
import { registerRateLimits } from './rate-limits.ts';
import { authRoutes } from './routes/auth-routes.ts';
import { campaignRoutes } from './routes/campaign-routes.ts';
import { chatListRoutes } from './routes/chat-list-routes.ts';
import { chatRoutes } from './routes/chat-routes.ts';
import { contactRoutes } from './routes/contact-routes.ts';
import { dashboardRoutes } from './routes/dashboard-routes.ts';
import { eventStreamRoutes } from './routes/event-stream-routes.ts';
import { type FleetView, fleetRoutes } from './routes/fleet-routes.ts';
import { groupRoutes } from './routes/group-routes.ts';
import { healthRoutes } from './routes/health-routes.ts';
import { instanceEventRoutes } from './routes/instance-event-routes.ts';
import { instanceRoutes } from './routes/instance-routes.ts';
import { linkRoutes } from './routes/link-routes.ts';
import { messageRoutes } from './routes/message-routes.ts';
import { metricsRoutes, operatorRoutes } from './routes/metrics-routes.ts';
import { profileRoutes } from './routes/profile-routes.ts';
import { queueRoutes } from './routes/queue-routes.ts';
import { statusRoutes } from './routes/status-routes.ts';
import { tenantRoutes } from './routes/tenant-routes.ts';
import { webhookRoutes } from './routes/webhook-routes.ts';
import { registerSecurityHeaders } from './security.ts';

/**
 * A Fastify server with the gateway's body parsing, coded error handling and request timeout.
 * `http` defaults to the environment's settings (the composition root passes `config.http`).
 */
export function createHttpServer(logger: Logger, http: HttpConfig): FastifyInstance {
  const app = Fastify({
    loggerInstance: logger as unknown as FastifyBaseLogger,
    // the gateway logs what matters itself; the top-level option is deprecated (FSTDEP023)
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    trustProxy: fastifyTrustProxy(http.trustProxy),
    frameworkErrors,
    clientErrorHandler,
    ...requestTimeouts(http.requestTimeoutMs),
    schemaController: { compilersFactory: lazySchemaCompilers() },
    ajv: {
      customOptions: {
        removeAdditional: false,
        coerceTypes: 'array',
        useDefaults: true,
        discriminator: true,
      },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  registerJsonBody(app);
  registerNulGuard(app);
  registerErrorHandling(app);
  registerSecurityHeaders(app, http);
  registerRateLimits(app, http);
  return app;
}

/**
 * Node closes a connection whose request (headers, then body) is not in by `ms`, with a 408; a
 * request is complete once its body is, so an SSE stream or a socket.io upgrade is never cut.
 * Node looks every `connectionsCheckingInterval`, which is tied to the timeout to keep it prompt.
 */
function requestTimeouts(ms: number) {
  if (ms === 0) return {};
  return {
    requestTimeout: ms,
    http: {
      headersTimeout: Math.min(ms, 60_000),
      connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.ceil(ms / 4))),
    },
  };
}

export interface ApiServices {
  store: Store;
  bus: EventBus;
  metrics: Metrics;
  metricsToken: string | undefined;
  /** /metrics open to anyone (METRICS_PUBLIC); otherwise the admin key or METRICS_TOKEN. */
  metricsPublic: boolean;
  tenants: TenantService;
  instances: InstanceService;
  /** `?wait=qr` on create and start: the first QR code or the connection, from the event bus. */
  linkWait: LinkWait;
  messages: MessageService;
  /** Status updates to a list of contacts. */
  statuses: StatusService;
  campaigns: CampaignService;
  webhooks: WebhookService;
  stats: StatsService;
  /** Times every request from here on, for GET /api/v1/metrics. */
  httpLatency: HttpLatency;
  fleet: FleetView;
  /** Chats, contacts, the number's own profile and privacy. */
  contacts: ContactService;
  groups: GroupService;
  /** The dashboard's cookie sessions (sign-in with a key or ADMIN_USER/ADMIN_PASSWORD). */
  sessions: SessionService;
  /** The HTTP settings; the environment's when not given. */
  http: HttpConfig;
  /** Sandbox mode only: its routes (the simulator's phone scans a QR code) exist only with it. */
  sandbox?: SandboxLink | undefined;
}

/** Health, metrics, the OpenAPI document and every /api/v1 route, each behind the key check. */
export async function registerApi(app: FastifyInstance, s: ApiServices): Promise<void> {
  const { http } = s;
  const streams = { keys: s.tenants.streams, maxPerKey: http.maxStreamsPerKey };
  s.httpLatency.watch(app);
  await app.register(multipart, { limits: { fileSize: 100 * 1024 * 1024, files: 1, fields: 40 } });
  await app.register(swagger, openapiOptions());
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await registerOperatorRoutes(app, s);
  await app.register(dashboardRoutes());
  await app.register(authRoutes(s.sessions, http), { prefix: '/api/v1' });
  await app.register(
    async (api) => {
      registerAuth(api, s.tenants, http, s.sessions);
      await api.register(tenantRoutes(s.tenants));
      await api.register(instanceRoutes(s.instances, s.linkWait));
      await api.register(linkRoutes(s.instances));
      await api.register(instanceEventRoutes(s.instances, s.bus, streams));
      await api.register(messageRoutes(s.messages));
      await api.register(statusRoutes(s.statuses));
      await api.register(chatRoutes(s.messages));
      await api.register(chatListRoutes(s.contacts));
      await api.register(contactRoutes(s.contacts));
      await api.register(profileRoutes(s.contacts));
      await api.register(groupRoutes(s.groups));
      await api.register(campaignRoutes(s.campaigns));
      await api.register(queueRoutes(s.store));
      await api.register(webhookRoutes(s.webhooks));
      await api.register(eventStreamRoutes(s.store, s.bus, streams));
      await api.register(metricsRoutes(s.stats, s.instances, s.httpLatency));
      await api.register(fleetRoutes(s.fleet));
      if (s.sandbox) await api.register(sandboxRoutes(s.instances, s.bus, s.sandbox));
    },
    { prefix: '/api/v1' },
  );
}

/** `/health`, `/health/ready`, `/health/detailed` and `/metrics`: all a worker serves. */
export async function registerOperatorRoutes(
  app: FastifyInstance,
  s: Pick<ApiServices, 'store' | 'metrics' | 'tenants' | 'metricsToken' | 'metricsPublic'>,
): Promise<void> {
  await app.register(healthRoutes(s.store));
  await app.register(
    operatorRoutes({
      metrics: s.metrics,
      store: s.store,
      tenants: s.tenants,
      metricsToken: s.metricsToken,
      metricsPublic: s.metricsPublic,
    }),
  );
}
