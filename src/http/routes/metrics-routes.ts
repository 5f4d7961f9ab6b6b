import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { sameSecret } from '../../auth/api-keys.ts';
import type { TenantService } from '../../auth/tenant-service.ts';
import { Errors } from '../../errors.ts';
import type { InstanceService } from '../../instances/instance-service.ts';
import { detailedHealth } from '../../observability/health.ts';
import type { HttpLatency } from '../../observability/http-latency.ts';
import type { Metrics } from '../../observability/metrics.ts';
import { LATEST_MESSAGES, type StatsService } from '../../observability/stats.ts';
import type { Store } from '../../store/repositories.ts';
import { presentedKey } from '../auth.ts';
import { ErrorBody, errorResponses, IdParam } from '../schemas.ts';

const Count = Type.Integer({ minimum: 0 });
const ByStatus = Type.Record(Type.String(), Count);
const InstanceCounts = Type.Object({ total: Count, byStatus: ByStatus });

const RecentMessage = Type.Object({
  id: Type.String(),
  instanceId: Type.String(),
  direction: Type.Union([Type.Literal('inbound'), Type.Literal('outbound')]),
  chat: Type.String(),
  type: Type.String(),
  status: Type.String(),
  errorCode: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});

const Ms = Type.Union([Type.Number({ minimum: 0 }), Type.Null()]);
const HttpLatencyBody = Type.Object(
  {
    samples: Count,
    window: Count,
    total: Count,
    p50Ms: Ms,
    p95Ms: Ms,
    p99Ms: Ms,
  },
  {
    description:
      "GET /metrics only: this process's HTTP response times over its most recent requests (at most window)",
  },
);

const Summary = Type.Object({
  generatedAt: Type.String({ format: 'date-time' }),
  instances: InstanceCounts,
  messages: Type.Object({
    total: Count,
    inbound: Count,
    outbound: Count,
    failed: Count,
    last24h: Type.Integer({ minimum: 0, description: 'created in the last 24 hours, either direction' }),
    failedLast24h: Type.Integer({ minimum: 0, description: 'created in the last 24 hours and failed' }),
    byStatus: ByStatus,
  }),
  latestMessages: Type.Array(RecentMessage, {
    description: `the newest messages of either direction, newest first (at most ${LATEST_MESSAGES})`,
  }),
  webhooks: Type.Object({ pending: Count, dead: Count }),
  http: Type.Optional(HttpLatencyBody),
});

const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  database: Type.Object({ ok: Type.Boolean(), dialect: Type.String(), latencyMs: Type.Number() }),
  instances: Type.Union([InstanceCounts, Type.Null()]),
  queues: Type.Union([
    Type.Object({ queued: Count, oldestQueuedAgeMs: Type.Union([Type.Number(), Type.Null()]) }),
    Type.Null(),
  ]),
  memory: Type.Object({ rssBytes: Count, heapUsedBytes: Count }),
  uptimeSeconds: Type.Number(),
});

/** GET /api/v1/metrics and /metrics/instances/:id: JSON numbers, scoped to the caller's tenant. */
export const metricsRoutes =
  (stats: StatsService, instances: InstanceService, latency: HttpLatency): FastifyPluginAsyncTypebox =>
  async (app) => {
    const tags = ['metrics'];
    app.get(
      '/metrics',
      {
        schema: {
          tags,
          summary:
            'Instance, message and webhook numbers, the latest messages and HTTP latency (a tenant key sees only its own)',
          response: { 200: Summary, 401: ErrorBody },
        },
      },
      async (request) => ({
        ...(await stats.summary(
          request.principal.kind === 'tenant' ? request.principal.tenantId : undefined,
        )),
        http: latency.summary(),
      }),
    );
    app.get(
      '/metrics/instances/:id',
      {
        schema: {
          tags,
          summary: 'The same numbers for one instance, by id or name',
          params: IdParam,
          response: { 200: Summary, ...errorResponses },
        },
      },
      async (request) => stats.instanceSummary(await instances.find(request.principal, request.params.id)),
    );
  };

export interface OperatorRouteDeps {
  metrics: Metrics;
  store: Store;
  tenants: TenantService;
  /** When set, /metrics requires it as a bearer token. */
  metricsToken: string | undefined;
  /** /metrics open without a key (METRICS_PUBLIC); otherwise the admin key, when no token is set. */
  metricsPublic: boolean;
}

/**
 * Outside /api (so the API key hook does not guard them): GET /metrics for Prometheus, which names
 * every tenant's instances: METRICS_TOKEN when one is set, else the admin key, else (METRICS_PUBLIC)
 * open; and GET /health/detailed, which reveals internals: admin key only.
 */
export const operatorRoutes =
  (deps: OperatorRouteDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/metrics',
      {
        schema: {
          tags: ['metrics'],
          summary:
            'Prometheus metrics (text format): Bearer METRICS_TOKEN when one is set, else the admin key',
          security: deps.metricsPublic ? [] : [{ bearer: [] }],
        },
      },
      async (request, reply) => {
        await checkMetricsAccess(deps, request);
        return reply.type(deps.metrics.contentType).send(await deps.metrics.render());
      },
    );
    app.get(
      '/health/detailed',
      {
        schema: {
          tags: ['health'],
          summary: 'Database, instances, queues, memory and uptime (admin key); 503 when degraded',
          response: { 200: Health, 401: ErrorBody, 403: ErrorBody, 503: Health },
        },
      },
      async (request, reply) => {
        const principal = await deps.tenants.authenticate(presentedKey(request));
        if (!principal) throw Errors.unauthorized();
        if (principal.kind !== 'admin') throw Errors.forbidden('read the detailed health (admin key only)');
        const health = await detailedHealth({
          store: deps.store,
          onError: (err) => request.log.error({ err }, 'detailed health: the database did not answer'),
        });
        return reply.status(health.status === 'ok' ? 200 : 503).send(health);
      },
    );
  };

async function checkMetricsAccess(deps: OperatorRouteDeps, request: FastifyRequest): Promise<void> {
  const presented = presentedKey(request);
  if (deps.metricsToken) {
    if (!(presented && sameSecret(presented, deps.metricsToken))) throw Errors.metricsUnauthorized();
    return;
  }
  if (deps.metricsPublic) return;
  const principal = await deps.tenants.authenticate(presented);
  if (!principal) throw Errors.unauthorized();
  if (principal.kind !== 'admin')
    throw Errors.forbidden('read /metrics (admin key, or METRICS_TOKEN; METRICS_PUBLIC=1 opens it)');
}
