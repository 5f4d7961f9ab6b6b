import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { EventBus } from '../../events/event-bus.ts';
import type { InstanceService } from '../../instances/instance-service.ts';
import { ListPage } from '../list-page.ts';
import { errorResponses, IdParam, instanceJson, Limit, TextInteger } from '../schemas.ts';
import { type StreamLimits, sseStreams } from '../sse.ts';

const tags = ['instances'];

/** What happened to an instance: its stored transitions, and a live stream of status and QR changes. */
export const instanceEventRoutes =
  (instances: InstanceService, bus: EventBus, streams: StreamLimits): FastifyPluginAsyncTypebox =>
  async (app) => {
    const openSse = sseStreams(app, streams);
    app.get(
      '/instances/:id/logs',
      {
        schema: {
          tags,
          summary: 'Stored lifecycle events, newest first, paginated with nextCursor',
          params: IdParam,
          querystring: Type.Object({
            limit: Limit(500, 100),
            before: Type.Optional(TextInteger({ minimum: 1, description: 'only events with a smaller id' })),
            cursor: Type.Optional(
              Type.String({
                pattern: '^[1-9][0-9]{0,15}$',
                description: 'the nextCursor of the page before',
              }),
            ),
          }),
          response: {
            200: ListPage(
              Type.Object({
                id: Type.Integer(),
                type: Type.String(),
                data: Type.Record(Type.String(), Type.Unknown()),
                createdAt: Type.String(),
              }),
            ),
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const { limit = 100, before, cursor } = request.query;
        // the cursor is the last id of the page before; one more row than asked tells if a page follows
        const bounds = [before, cursor === undefined ? undefined : Number(cursor)].filter(
          (n) => n !== undefined,
        );
        const events = await instances.events(request.principal, request.params.id, {
          limit: limit + 1,
          ...(bounds.length > 0 ? { beforeId: Math.min(...bounds) } : {}),
        });
        const page = events.slice(0, limit);
        const last = page[page.length - 1];
        return {
          items: page.map((e) => ({
            id: e.id,
            type: e.type,
            data: e.data,
            createdAt: e.createdAt.toISOString(),
          })),
          nextCursor: events.length > limit && last ? String(last.id) : null,
        };
      },
    );

    app.get(
      '/instances/:id/events',
      {
        schema: {
          tags,
          summary: 'Server-sent events: instance.status and instance.qr as they happen',
          params: IdParam,
        },
      },
      async (request, reply) => {
        const instance = await instances.find(request.principal, request.params.id);
        const stream = openSse(request, reply);
        stream.send({ event: 'instance.snapshot', data: instanceJson(instance) });
        const unsubscribe = bus.subscribe((event) => {
          if (event.instance.id === instance.id)
            stream.send({ id: event.id, event: event.event, data: event });
        });
        stream.onClose(unsubscribe);
      },
    );
  };
