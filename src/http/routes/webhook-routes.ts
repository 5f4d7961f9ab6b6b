import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Webhook, WebhookDelivery } from '../../store/repositories.ts';
import type { WebhookService } from '../../webhooks/webhook-service.ts';
import { ListPage, wholeList } from '../list-page.ts';
import { errorResponses, IdParam, Limit } from '../schemas.ts';

const tags = ['webhooks'];
const ANY = { 200: Type.Unknown(), 201: Type.Unknown(), 204: Type.Null(), ...errorResponses } as const;
const Url = Type.String({ minLength: 8, maxLength: 2048, pattern: '^https?://' });
const Events = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 50 });

const WebhookJson = Type.Object({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  instanceId: Type.Union([Type.String(), Type.Null()]),
  tenantId: Type.Union([Type.String(), Type.Null()]),
  enabled: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

const webhookJson = (h: Webhook, withSecret = false) => ({
  id: h.id,
  url: h.url,
  events: h.events,
  instanceId: h.instanceId,
  tenantId: h.tenantId,
  enabled: h.enabled,
  ...(withSecret ? { secret: h.secret } : {}),
  createdAt: h.createdAt.toISOString(),
  updatedAt: h.updatedAt.toISOString(),
});

const deliveryJson = (d: WebhookDelivery) => ({
  id: d.id,
  eventId: d.eventId,
  event: d.event,
  instanceId: d.instanceId,
  status: d.status,
  attempts: d.attempts,
  nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
  lastStatusCode: d.lastStatusCode,
  lastError: d.lastError,
  lastResponse: d.lastResponse,
  createdAt: d.createdAt.toISOString(),
  deliveredAt: d.deliveredAt?.toISOString() ?? null,
});

/** Webhooks and their delivery log. */
export const webhookRoutes =
  (webhooks: WebhookService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/webhooks',
      {
        schema: {
          tags,
          summary: 'Add a webhook; the secret (generated unless given) is returned once, here',
          body: Type.Object(
            {
              url: Url,
              events: Type.Optional(Events),
              secret: Type.Optional(Type.String({ minLength: 8, maxLength: 256 })),
              instance: Type.Optional(Type.String({ description: 'limit to one instance (id or name)' })),
              enabled: Type.Optional(Type.Boolean()),
            },
            { additionalProperties: false },
          ),
          response: ANY,
        },
      },
      async (request, reply) =>
        reply.status(201).send(webhookJson(await webhooks.create(request.principal, request.body), true)),
    );

    app.get(
      '/webhooks',
      { schema: { tags, summary: 'Webhooks of this key', response: { 200: ListPage(WebhookJson) } } },
      async (request) => wholeList((await webhooks.list(request.principal)).map((h) => webhookJson(h))),
    );

    app.get(
      '/webhooks/:id',
      { schema: { tags, summary: 'One webhook', params: IdParam, response: ANY } },
      async (request) => webhookJson(await webhooks.find(request.principal, request.params.id)),
    );

    app.patch(
      '/webhooks/:id',
      {
        schema: {
          tags,
          summary: 'Change a webhook',
          params: IdParam,
          body: Type.Object(
            {
              url: Type.Optional(Url),
              events: Type.Optional(Events),
              secret: Type.Optional(Type.String({ minLength: 8, maxLength: 256 })),
              instance: Type.Optional(Type.Union([Type.String(), Type.Null()])),
              enabled: Type.Optional(Type.Boolean()),
            },
            { additionalProperties: false, minProperties: 1 },
          ),
          response: ANY,
        },
      },
      async (request) =>
        webhookJson(await webhooks.update(request.principal, request.params.id, request.body)),
    );

    app.delete(
      '/webhooks/:id',
      { schema: { tags, summary: 'Remove a webhook and its deliveries', params: IdParam, response: ANY } },
      async (request, reply) => {
        await webhooks.remove(request.principal, request.params.id);
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/webhooks/:id/deliveries',
      {
        schema: {
          tags,
          summary: 'Deliveries of a webhook, newest first',
          params: IdParam,
          querystring: Type.Object({
            status: Type.Optional(
              Type.Unsafe<'pending' | 'delivered' | 'dead'>({
                type: 'string',
                enum: ['pending', 'delivered', 'dead'],
              }),
            ),
            limit: Limit(200, 50),
            cursor: Type.Optional(Type.String({ maxLength: 200 })),
          }),
          response: ANY,
        },
      },
      async (request) => {
        const { status, limit, cursor } = request.query;
        const page = await webhooks.deliveries(request.principal, request.params.id, {
          limit: limit ?? 50,
          ...(status ? { status } : {}),
          ...(cursor ? { cursor } : {}),
        });
        return { items: page.items.map(deliveryJson), nextCursor: page.nextCursor };
      },
    );

    app.post(
      '/webhook-deliveries/:id/redeliver',
      {
        schema: {
          tags,
          summary: 'Deliver again (a dead or delivered one too)',
          params: IdParam,
          response: ANY,
        },
      },
      async (request) => deliveryJson(await webhooks.redeliver(request.principal, request.params.id)),
    );
  };
