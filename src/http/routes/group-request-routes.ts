import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { REQUEST_ACTIONS, type RequestResult } from '../../engine/group-ops.ts';
import type { GroupService } from '../../groups/group-service.ts';
import { errorResponses } from '../schemas.ts';

const tags = ['groups'];
const GROUP_JID_EXAMPLE = '120363041234567890@g.us';
const RESULTS: readonly RequestResult[] = ['approved', 'rejected', 'not_requested', 'failed'];
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const failures = { ...errorResponses, 403: errorResponses[400], 409: errorResponses[400] };

const IdAndJid = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 128 }),
  jid: Type.String({ minLength: 1, maxLength: 64, examples: [GROUP_JID_EXAMPLE] }),
});

const JoinRequest = Type.Object({
  jid: Type.String({ description: 'the requester as WhatsApp names it: a phone-number jid or an @lid' }),
  phone: Nullable(Type.String({ description: 'the phone number, beside an @lid whenever it is known' })),
  lid: Nullable(Type.String()),
  method: Nullable(
    Type.String({ description: 'how they asked, in WhatsApp’s words', examples: ['invite_link'] }),
  ),
  requestedAt: Nullable(Type.String({ format: 'date-time' })),
});

const RequestList = Type.Object(
  { items: Type.Array(JoinRequest), nextCursor: Type.Null() },
  {
    examples: [
      {
        items: [
          {
            jid: '15550003333@s.whatsapp.net',
            phone: '15550003333',
            lid: '90000000003@lid',
            method: 'invite_link',
            requestedAt: '2026-12-01T12:00:00.000Z',
          },
        ],
        nextCursor: null,
      },
    ],
  },
);

const DecisionBody = Type.Object(
  {
    action: Type.Unsafe<(typeof REQUEST_ACTIONS)[number]>({ type: 'string', enum: [...REQUEST_ACTIONS] }),
    participants: Type.Array(
      Type.String({
        minLength: 5,
        maxLength: 64,
        description: 'a phone number or the jid the request names',
      }),
      { minItems: 1, maxItems: 256 },
    ),
  },
  { additionalProperties: false, examples: [{ action: 'approve', participants: ['15550003333'] }] },
);

const DecisionResults = Type.Object(
  {
    results: Type.Array(
      Type.Object({
        jid: Type.String(),
        result: Type.Unsafe<RequestResult>({ type: 'string', enum: [...RESULTS] }),
        code: Type.String({ description: "WhatsApp's status code for this participant" }),
      }),
    ),
  },
  { examples: [{ results: [{ jid: '15550003333@s.whatsapp.net', result: 'approved', code: '200' }] }] },
);

/** Requests to join a group that admits by approval: list them, approve or reject them. */
export const groupRequestRoutes =
  (groups: GroupService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/instances/:id/groups/:jid/requests',
      {
        schema: {
          tags,
          summary: 'Requests to join waiting for approval (the instance must be an admin)',
          params: IdAndJid,
          response: { 200: RequestList, ...failures },
        },
      },
      async (request) => ({
        items: await groups.requests(request.principal, request.params.id, request.params.jid),
        nextCursor: null,
      }),
    );

    app.post(
      '/instances/:id/groups/:jid/requests',
      {
        schema: {
          tags,
          summary:
            'Approve (they become members) or reject requests to join, with an outcome per participant',
          params: IdAndJid,
          body: DecisionBody,
          response: { 200: DecisionResults, ...failures },
        },
      },
      async (request) => ({
        results: await groups.decideRequests(
          request.principal,
          request.params.id,
          request.params.jid,
          request.body.action,
          request.body.participants,
        ),
      }),
    );
  };
