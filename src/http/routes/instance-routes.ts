import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { Errors } from '../../errors.ts';
import { LabelField, MetadataField } from '../../instances/instance-annotations.ts';
import type { InstanceService } from '../../instances/instance-service.ts';
import type { LinkWait } from '../../instances/link-wait.ts';
import { CursorQuery, ListPage } from '../list-page.ts';
import { errorResponses, IdParam, InstanceBody, InstanceName, instanceJson, Limit } from '../schemas.ts';
import { InstanceWithLink, LinkWaitQuery, withLink } from './link-wait-schemas.ts';

const tags = ['instances'];
const Settings = Type.Record(Type.String(), Type.Unknown());

/** Instances: create, list, read, rename, delete, and their lifecycle actions. */
export const instanceRoutes =
  (instances: InstanceService, linkWait: LinkWait): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/instances',
      {
        schema: {
          tags,
          summary:
            'Create an instance (a WhatsApp number to link); it starts unless start is false. ' +
            'With ?wait=qr, answers with its first QR code',
          querystring: LinkWaitQuery,
          body: Type.Object(
            {
              name: InstanceName,
              start: Type.Optional(Type.Boolean({ default: true })),
              tenantId: Type.Optional(
                Type.String({ description: 'admin key only: the tenant that owns it' }),
              ),
              settings: Type.Optional(Settings),
              label: Type.Optional(LabelField),
              metadata: Type.Optional(MetadataField),
            },
            { additionalProperties: false },
          ),
          response: {
            201: InstanceWithLink,
            409: errorResponses[400],
            504: errorResponses[400],
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        const { name, start, tenantId, settings, label, metadata } = request.body;
        const create = () =>
          instances.create(request.principal, {
            name,
            start: start ?? true,
            tenantId,
            settings,
            label,
            metadata,
          });
        if (request.query.wait === 'qr' && start === false)
          throw Errors.validation(
            '?wait=qr waits for the instance to start: drop start: false, or the ?wait',
          );
        if (request.query.wait !== 'qr') return reply.status(201).send(instanceJson(await create()));
        const waited = await linkWait.around(request.principal, create, request.query.waitMs ?? 20_000);
        return reply.status(201).send(withLink(instanceJson(waited.instance), waited.link));
      },
    );

    app.get(
      '/instances',
      {
        schema: {
          tags,
          summary:
            'List the instances this key can see, oldest first, paginated with nextCursor (only those with a label, with ?label=)',
          querystring: Type.Object({
            label: Type.Optional(LabelField),
            limit: Limit(500, 100),
            cursor: CursorQuery,
          }),
          response: { 200: ListPage(InstanceBody), ...errorResponses },
        },
      },
      async (request) => {
        const { label, limit = 100, cursor } = request.query;
        const page = await instances.page(
          request.principal,
          label === undefined ? {} : { label },
          cursor === undefined ? { limit } : { limit, cursor },
        );
        return { items: page.items.map(instanceJson), nextCursor: page.nextCursor };
      },
    );

    app.get(
      '/instances/:id',
      {
        schema: {
          tags,
          summary: 'One instance, by id or name',
          params: IdParam,
          response: { 200: InstanceBody, ...errorResponses },
        },
      },
      async (request) => instanceJson(await instances.find(request.principal, request.params.id)),
    );

    app.patch(
      '/instances/:id',
      {
        schema: {
          tags,
          summary: 'Rename an instance, merge settings, or set (null: clear) its label and metadata',
          params: IdParam,
          body: Type.Object(
            {
              name: Type.Optional(InstanceName),
              settings: Type.Optional(Settings),
              label: Type.Optional(Type.Union([Type.Null(), LabelField])),
              metadata: Type.Optional(Type.Union([Type.Null(), MetadataField])),
            },
            { additionalProperties: false, minProperties: 1 },
          ),
          response: { 200: InstanceBody, 409: errorResponses[400], ...errorResponses },
        },
      },
      async (request) =>
        instanceJson(await instances.update(request.principal, request.params.id, request.body)),
    );

    app.delete(
      '/instances/:id',
      {
        schema: {
          tags,
          summary: 'Unlink and delete an instance with its credentials, messages, campaigns and deliveries',
          params: IdParam,
          response: { 204: Type.Null(), ...errorResponses },
        },
      },
      async (request, reply) => {
        await instances.remove(request.principal, request.params.id);
        return reply.status(204).send(null);
      },
    );

    for (const action of ['start', 'stop', 'restart', 'logout'] as const) {
      app.post(
        `/instances/:id/${action}`,
        {
          schema: {
            tags,
            summary: `${action[0]?.toUpperCase()}${action.slice(1)} the instance`,
            params: IdParam,
            ...(action === 'start' || action === 'restart' ? { querystring: LinkWaitQuery } : {}),
            response: {
              200: InstanceWithLink,
              409: errorResponses[400],
              504: errorResponses[400],
              ...errorResponses,
            },
          },
        },
        async (request) => {
          const act = () => instances.act(request.principal, request.params.id, action);
          const { wait, waitMs } = request.query as { wait?: 'qr'; waitMs?: number };
          if (wait !== 'qr' || (action !== 'start' && action !== 'restart')) return instanceJson(await act());
          const waited = await linkWait.around(request.principal, act, waitMs ?? 20_000);
          return withLink(instanceJson(waited.instance), waited.link);
        },
      );
    }
  };
