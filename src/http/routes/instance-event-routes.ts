import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { EventBus } from '../../events/event-bus.ts';
import type { InstanceService } from '../../instances/instance-service.ts';
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
          summary: 'Stored lifecycle events, newest first',
          params: IdParam,
          querystring: Type.Object({
            limit: Limit(500, 100),
            before: Type.Optional(TextInteger({ minimum: 1, description: 'only events with a smaller id' })),
          }),
          response: {
            200: Type.Object({
              items: Type.Array(
                Type.Object({
                  id: Type.Integer(),
                  type: Type.String(),
                  data: Type.Record(Type.String(), Type.Unknown()),
                  createdAt: Type.String(),
                }),
              ),
            }),
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const events = await instances.events(request.principal, request.params.id, {
          limit: request.query.limit ?? 100,
          ...(request.query.before ? { beforeId: request.query.before } : {}),
        });
        return {
          items: events.map((e) => ({
            id: e.id,
            type: e.type,
            data: e.data,
            createdAt: e.createdAt.toISOString(),
          })),
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
