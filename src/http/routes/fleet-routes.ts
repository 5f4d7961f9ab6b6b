import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { NodeRecord, Store } from '../../store/repositories.ts';
import { requireAdmin } from '../auth.ts';
import { ListPage, wholeList } from '../list-page.ts';
import { errorResponses } from '../schemas.ts';

const NodeJson = Type.Object({
  id: Type.String(),
  role: Type.String({ description: 'serve, api or worker' }),
  version: Type.String(),
  startedAt: Type.String(),
  heartbeatAgeMs: Type.Integer(),
  instances: Type.Integer({ description: 'instances whose lease the node holds now' }),
});

/** What the fleet looks like from here: live nodes and who holds which leases. */
export interface FleetView {
  store: Store;
  /** A node is live while its heartbeat is younger than this. */
  liveWindowMs: number;
}

const nodeJson = (n: NodeRecord, now: number, instances: number) => ({
  id: n.id,
  role: n.role,
  version: n.version,
  startedAt: n.startedAt.toISOString(),
  heartbeatAgeMs: Math.max(0, now - n.heartbeatAt.getTime()),
  instances,
});

/** `GET /nodes` (admin): the live processes of the fleet. */
export const fleetRoutes =
  (fleet: FleetView): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/nodes',
      {
        schema: {
          tags: ['fleet'],
          summary: 'Live nodes of the fleet, with their role, heartbeat age and instance count (admin)',
          response: {
            200: ListPage(NodeJson, {
              examples: [
                {
                  items: [
                    {
                      id: 'worker-a-4121',
                      role: 'worker',
                      version: '0.1.0',
                      startedAt: '2026-12-01T10:00:00.000Z',
                      heartbeatAgeMs: 1200,
                      instances: 12,
                    },
                  ],
                  nextCursor: null,
                },
              ],
            }),
            ...errorResponses,
          },
        },
      },
      async (request) => {
        requireAdmin(request);
        const now = Date.now();
        const nodes = await fleet.store.nodes.live(new Date(now - fleet.liveWindowMs));
        const counts = await fleet.store.leases.countByOwner(new Date(now));
        return wholeList(nodes.map((n) => nodeJson(n, now, counts.get(n.id) ?? 0)));
      },
    );
  };
