import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Store } from '../../store/repositories.ts';

const Counts = Type.Record(Type.String(), Type.Integer(), { description: 'messages by status' });
const QueueJson = Type.Object({
  total: Counts,
  items: Type.Array(Type.Object({ instanceId: Type.String(), counts: Counts }), {
    description: "each instance's counts",
  }),
  nextCursor: Type.Null({ description: 'always null: every instance comes in one answer' }),
  oldestQueuedAgeMs: Type.Union([Type.Integer(), Type.Null()], {
    description: 'how long the oldest queued message has waited; null when none waits',
  }),
});

/** The outbox at a glance: counts per status, globally and per instance, and the oldest wait. */
export const queueRoutes =
  (store: Store): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/queue',
      {
        schema: {
          tags: ['messages'],
          summary: 'Queue counts per status, globally and per instance',
          response: { 200: QueueJson },
        },
      },
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
          items: Object.entries(perInstance).map(([instanceId, counts]) => ({ instanceId, counts })),
          nextCursor: null,
          oldestQueuedAgeMs: oldest ? Date.now() - oldest.getTime() : null,
        };
      },
    );
  };
