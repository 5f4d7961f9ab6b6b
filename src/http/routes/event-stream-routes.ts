import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { EventBus } from '../../events/event-bus.ts';
import type { GatewayEvent } from '../../events/event-map.ts';
import type { Store } from '../../store/repositories.ts';
import { eventMatches } from '../../webhooks/signing.ts';
import { type StreamLimits, sseStreams } from '../sse.ts';

const REPLAY_LIMIT = 1_000;

/**
 * `GET /events`: every event of the key's instances as server-sent events. A client that reconnects
 * with `Last-Event-ID` first gets what it missed from the stored events, then the live ones.
 */
export const eventStreamRoutes =
  (store: Store, bus: EventBus, streams: StreamLimits): FastifyPluginAsyncTypebox =>
  async (app) => {
    const openSse = sseStreams(app, streams);
    app.get(
      '/events',
      {
        schema: {
          tags: ['events'],
          summary: 'Live events (SSE) for all instances this key can see; resume with Last-Event-ID',
          querystring: Type.Object({
            events: Type.Optional(
              Type.String({ maxLength: 500, description: 'comma-separated filter, wildcards allowed' }),
            ),
          }),
        },
      },
      async (request, reply) => {
        const tenantId = request.principal.kind === 'tenant' ? request.principal.tenantId : undefined;
        const filter = request.query.events
          ?.split(',')
          .map((e) => e.trim())
          .filter(Boolean);
        const wanted = (e: { event: string; tenantId: string | null }) =>
          (tenantId === undefined || e.tenantId === tenantId) &&
          (!filter?.length || eventMatches(filter, e.event));
        const lastId = request.headers['last-event-id'];
        const stream = openSse(request, reply);
        const buffered: GatewayEvent[] = [];
        let replaying = true;
        const unsubscribe = bus.subscribe((e) => {
          if (!wanted(e)) return;
          if (replaying) buffered.push(e);
          else stream.send({ id: e.id, event: e.event, data: e });
        });
        stream.onClose(unsubscribe);
        const sent = new Set<string>();
        if (typeof lastId === 'string' && lastId) {
          const after = await store.events.findSeqById(lastId);
          if (after !== undefined) {
            const missed = await store.events.listAfter(after, {
              ...(tenantId === undefined ? {} : { tenantId }),
              limit: REPLAY_LIMIT,
            });
            for (const m of missed) {
              if (!wanted(m)) continue;
              sent.add(m.id);
              stream.send({ id: m.id, event: m.event, data: JSON.parse(m.envelope) });
            }
          }
        }
        replaying = false;
        for (const e of buffered) if (!sent.has(e.id)) stream.send({ id: e.id, event: e.event, data: e });
      },
    );
  };
