import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { MESSAGE_STATUSES, type MessageStatus } from '../../domain/message.ts';
import { messageJson } from '../../domain/message-json.ts';
import type { CampaignService } from '../../outbox/campaign-service.ts';
import { CursorQuery, ListPage } from '../list-page.ts';
import { MessageJsonSchema as MessageJson } from '../openapi/event-schemas.ts';
import { errorResponses, IdParam, Limit } from '../schemas.ts';
import {
  CampaignBody,
  CampaignJson,
  CreatedCampaignJson,
  campaignJson,
  createdCampaignJson,
} from './campaign-schemas.ts';

const tags = ['campaigns'];

/** Campaigns: a message (or a text template) and recipients become one paced message per recipient. */
export const campaignRoutes =
  (campaigns: CampaignService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/instances/:id/campaigns',
      {
        schema: {
          tags,
          summary:
            'Start a campaign: one message of any type to every recipient, {{variables}} in its text or caption filled from each',
          params: IdParam,
          body: CampaignBody,
          response: { 201: CreatedCampaignJson, 422: errorResponses[400], ...errorResponses },
        },
      },
      async (request, reply) =>
        reply
          .status(201)
          .send(
            createdCampaignJson(await campaigns.create(request.principal, request.params.id, request.body)),
          ),
    );

    app.get(
      '/campaigns',
      {
        schema: {
          tags,
          summary: 'Campaigns this key can see, newest first, paginated with nextCursor',
          querystring: Type.Object({ limit: Limit(200, 50), cursor: CursorQuery }),
          response: { 200: ListPage(CampaignJson), ...errorResponses },
        },
      },
      async (request) => {
        const { limit = 50, cursor } = request.query;
        const page = await campaigns.page(
          request.principal,
          cursor === undefined ? { limit } : { limit, cursor },
        );
        return { items: page.items.map(campaignJson), nextCursor: page.nextCursor };
      },
    );

    app.get(
      '/campaigns/:id/messages',
      {
        schema: {
          tags,
          summary: "A campaign's messages, newest first, paginated with nextCursor (a status filters them)",
          params: IdParam,
          querystring: Type.Object({
            status: Type.Optional(
              Type.Unsafe<MessageStatus>({ type: 'string', enum: [...MESSAGE_STATUSES] }),
            ),
            limit: Limit(200, 50),
            cursor: CursorQuery,
          }),
          response: { 200: ListPage(MessageJson), ...errorResponses },
        },
      },
      async (request) => {
        const { status, limit = 50, cursor } = request.query;
        const page = await campaigns.messages(request.principal, request.params.id, {
          limit,
          ...(cursor === undefined ? {} : { cursor }),
          ...(status === undefined ? {} : { status }),
        });
        return { items: page.items.map(messageJson), nextCursor: page.nextCursor };
      },
    );

    app.get(
      '/campaigns/:id',
      {
        schema: {
          tags,
          summary: 'A campaign with its counts per status',
          params: IdParam,
          response: { 200: CampaignJson, ...errorResponses },
        },
      },
      async (request) => campaignJson(await campaigns.get(request.principal, request.params.id)),
    );

    for (const action of ['pause', 'resume', 'cancel'] as const) {
      app.post(
        `/campaigns/:id/${action}`,
        {
          schema: {
            tags,
            summary: `${action} the campaign`,
            params: IdParam,
            response: { 200: CampaignJson, 409: errorResponses[400], ...errorResponses },
          },
        },
        async (request) => campaignJson(await campaigns.act(request.principal, request.params.id, action)),
      );
    }
  };
