import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Store } from '../../store/repositories.ts';

/** The outbox at a glance: counts per status, globally and per instance, and the oldest wait. */
export const queueRoutes =
  (store: Store): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/queue',
      { schema: { tags: ['messages'], summary: 'Queue counts per status, globally and per instance' } },
      async (request) => {
        const tenantId = request.principal.kind === 'tenant' ? request.principal.tenantId : undefined;
        const rows = await store.messages.countByInstanceAndStatus(tenantId);
        const total: Record<string, number> = {};
        const perInstance: Record<string, Record<string, number>> = {};
        for (const { instanceId, status, count } of rows) {
          total[status] = (total[status] ?? 0) + count;
          const bucket = perInstance[instanceId] ?? {};
          bucket[status] = count;
          perInstance[instanceId] = bucket;
        }
        const oldest = await store.messages.oldestQueuedAt(undefined, tenantId);
        return {
          total,
          instances: Object.entries(perInstance).map(([instanceId, counts]) => ({ instanceId, counts })),
          oldestQueuedAgeMs: oldest ? Date.now() - oldest.getTime() : null,
        };
      },
    );
  };
