import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { type CampaignService, type CampaignView, MAX_RECIPIENTS } from '../../outbox/campaign-service.ts';
import { errorResponses, IdParam } from '../schemas.ts';

const tags = ['campaigns'];
const CampaignJson = Type.Object({
  id: Type.String(),
  instanceId: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  template: Type.String(),
  status: Type.String(),
  total: Type.Integer(),
  startAt: Type.Union([Type.String(), Type.Null()]),
  counts: Type.Record(Type.String(), Type.Integer()),
  createdAt: Type.String(),
});

const campaignJson = (c: CampaignView) => ({
  id: c.id,
  instanceId: c.instanceId,
  name: c.name,
  template: c.template,
  status: c.status,
  total: c.total,
  startAt: c.startAt?.toISOString() ?? null,
  counts: c.counts as Record<string, number>,
  createdAt: c.createdAt.toISOString(),
});

/** Campaigns: a template and recipients become one paced message per recipient. */
export const campaignRoutes =
  (campaigns: CampaignService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/instances/:id/campaigns',
      {
        schema: {
          tags,
          summary: 'Start a campaign: {{variables}} in the template are filled from each recipient',
          params: IdParam,
          body: Type.Object(
            {
              name: Type.Optional(Type.String({ maxLength: 200 })),
              template: Type.String({ minLength: 1, maxLength: 65_536 }),
              recipients: Type.Array(
                Type.Object(
                  {
                    to: Type.String({ minLength: 1, maxLength: 64 }),
                    vars: Type.Optional(
                      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
                    ),
                  },
                  { additionalProperties: false },
                ),
                { minItems: 1, maxItems: MAX_RECIPIENTS },
              ),
              startAt: Type.Optional(Type.String({ format: 'date-time' })),
            },
            { additionalProperties: false },
          ),
          response: { 201: CampaignJson, ...errorResponses },
        },
      },
      async (request, reply) =>
        reply
          .status(201)
          .send(campaignJson(await campaigns.create(request.principal, request.params.id, request.body))),
    );

    app.get(
      '/campaigns',
      {
        schema: { tags, summary: 'Campaigns this key can see', response: { 200: Type.Array(CampaignJson) } },
      },
      async (request) => (await campaigns.list(request.principal)).map(campaignJson),
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
