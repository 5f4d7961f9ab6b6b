import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { PARTICIPANT_ACTIONS } from '../../engine/group-ops.ts';
import type { GroupService } from '../../groups/group-service.ts';
import { errorResponses } from '../schemas.ts';
import { groupRequestRoutes } from './group-request-routes.ts';

const tags = ['groups'];
const GROUP_JID_EXAMPLE = '120363041234567890@g.us';
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const ROLES = ['superadmin', 'admin', 'member'] as const;
const RESULTS = [
  'added',
  'removed',
  'promoted',
  'demoted',
  'invited',
  'not_on_whatsapp',
  'already_member',
  'not_member',
  'failed',
] as const;

const IdAndJid = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 128 }),
  jid: Type.String({ minLength: 1, maxLength: 64, examples: [GROUP_JID_EXAMPLE] }),
});
const InstanceId = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
/** A member to add (or change): a phone number in international form, or a WhatsApp jid. */
const ParticipantRef = Type.String({ minLength: 5, maxLength: 64, examples: ['15550001111'] });
const failures = { ...errorResponses, 403: errorResponses[400], 409: errorResponses[400] };

const Participant = Type.Object({
  jid: Type.String(),
  phone: Nullable(Type.String({ description: 'the phone number, beside an @lid whenever it is known' })),
  lid: Nullable(Type.String()),
  role: Type.Unsafe<(typeof ROLES)[number]>({ type: 'string', enum: [...ROLES] }),
});

const Group = Type.Object(
  {
    jid: Type.String(),
    subject: Type.String(),
    description: Nullable(Type.String()),
    owner: Nullable(Type.String()),
    createdAt: Nullable(Type.String({ format: 'date-time' })),
    size: Type.Integer(),
    announce: Type.Boolean({ description: 'only admins may send' }),
    locked: Type.Boolean({ description: 'only admins may edit the group info' }),
    ephemeral: Type.Integer({ description: 'disappearing messages after this many seconds (0: off)' }),
    joinApproval: Type.Boolean(),
    participants: Type.Array(Participant),
  },
  {
    examples: [
      {
        jid: GROUP_JID_EXAMPLE,
        subject: 'Support team',
        description: null,
        owner: '15550001111@s.whatsapp.net',
        createdAt: '2026-12-01T12:00:00.000Z',
        size: 2,
        announce: false,
        locked: false,
        ephemeral: 0,
        joinApproval: false,
        participants: [
          {
            jid: '15550001111@s.whatsapp.net',
            phone: '15550001111',
            lid: '90000000001@lid',
            role: 'superadmin',
          },
          { jid: '15550002222@s.whatsapp.net', phone: '15550002222', lid: '90000000002@lid', role: 'member' },
        ],
      },
    ],
  },
);

const Invite = Type.Object(
  { code: Type.String(), link: Type.String() },
  {
    examples: [{ code: 'AbCdEfGhIjKlMnOpQrStUv', link: 'https://chat.whatsapp.com/AbCdEfGhIjKlMnOpQrStUv' }],
  },
);

const GroupPatchBody = Type.Object(
  {
    subject: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    description: Type.Optional(Nullable(Type.String({ maxLength: 2048 }))),
    announce: Type.Optional(Type.Boolean()),
    locked: Type.Optional(Type.Boolean()),
    ephemeral: Type.Optional(Type.Integer({ minimum: 0, maximum: 31_536_000, examples: [86_400] })),
    joinApproval: Type.Optional(Type.Boolean()),
  },
  {
    additionalProperties: false,
    examples: [{ subject: 'Support team', announce: true, ephemeral: 604_800 }],
  },
);

/** Groups of an instance: create, list, read, change, members, invite links, leave, picture. */
export const groupRoutes =
  (groups: GroupService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/instances/:id/groups',
      {
        schema: {
          tags,
          summary: 'Create a group with the given members (the instance becomes its super admin)',
          params: InstanceId,
          body: Type.Object(
            {
              subject: Type.String({ minLength: 1, maxLength: 100 }),
              participants: Type.Array(ParticipantRef, { minItems: 1, maxItems: 256 }),
            },
            {
              additionalProperties: false,
              examples: [{ subject: 'Support team', participants: ['15550002222'] }],
            },
          ),
          response: { 201: Group, ...failures },
        },
      },
      async (request, reply) => {
        const { subject, participants } = request.body;
        const group = await groups.create(request.principal, request.params.id, subject, participants);
        return reply.code(201).send(group);
      },
    );

    app.get(
      '/instances/:id/groups',
      {
        schema: {
          tags,
          summary: 'The groups the number is in, with subject, size and admin flag',
          params: InstanceId,
          response: {
            200: Type.Object(
              {
                items: Type.Array(
                  Type.Object({
                    jid: Type.String(),
                    subject: Type.String(),
                    size: Type.Integer(),
                    isAdmin: Type.Boolean(),
                  }),
                ),
                nextCursor: Type.Null(),
              },
              {
                examples: [
                  {
                    items: [{ jid: GROUP_JID_EXAMPLE, subject: 'Support team', size: 2, isAdmin: true }],
                    nextCursor: null,
                  },
                ],
              },
            ),
            ...failures,
          },
        },
      },
      async (request) => ({
        items: await groups.list(request.principal, request.params.id),
        nextCursor: null,
      }),
    );

    app.post(
      '/instances/:id/groups/join',
      {
        schema: {
          tags,
          summary:
            'Join a group by invite code or chat.whatsapp.com link (pending: the group admits by approval, its admins were asked)',
          params: InstanceId,
          body: Type.Object(
            { code: Type.String({ minLength: 8, maxLength: 128 }) },
            {
              additionalProperties: false,
              examples: [{ code: 'https://chat.whatsapp.com/AbCdEfGhIjKlMnOpQrStUv' }],
            },
          ),
          response: {
            200: Type.Object(
              {
                jid: Type.String(),
                pending: Type.Optional(
                  Type.Literal(true, { description: 'a request to join waits for an admin’s approval' }),
                ),
              },
              { examples: [{ jid: GROUP_JID_EXAMPLE }] },
            ),
            ...failures,
          },
        },
      },
      async (request) => groups.join(request.principal, request.params.id, request.body.code),
    );

    app.get(
      '/instances/:id/groups/:jid',
      {
        schema: {
          tags,
          summary: 'A group: settings and participants with their roles',
          params: IdAndJid,
          response: { 200: Group, ...failures },
        },
      },
      async (request) => groups.get(request.principal, request.params.id, request.params.jid),
    );

    app.patch(
      '/instances/:id/groups/:jid',
      {
        schema: {
          tags,
          summary:
            'Change subject, description and settings (announcement, locked, disappearing timer, join approval)',
          params: IdAndJid,
          body: GroupPatchBody,
          response: { 200: Group, ...failures },
        },
      },
      async (request) =>
        groups.update(request.principal, request.params.id, request.params.jid, request.body),
    );

    app.post(
      '/instances/:id/groups/:jid/participants',
      {
        schema: {
          tags,
          summary: 'Add, remove, promote or demote members, with an outcome per participant',
          params: IdAndJid,
          body: Type.Object(
            {
              action: Type.Unsafe<(typeof PARTICIPANT_ACTIONS)[number]>({
                type: 'string',
                enum: [...PARTICIPANT_ACTIONS],
              }),
              participants: Type.Array(ParticipantRef, { minItems: 1, maxItems: 256 }),
            },
            { additionalProperties: false, examples: [{ action: 'add', participants: ['15550003333'] }] },
          ),
          response: {
            200: Type.Object(
              {
                results: Type.Array(
                  Type.Object({
                    jid: Type.String(),
                    result: Type.Unsafe<(typeof RESULTS)[number]>({ type: 'string', enum: [...RESULTS] }),
                    code: Type.String({ description: "WhatsApp's status code for this participant" }),
                  }),
                ),
              },
              {
                examples: [
                  { results: [{ jid: '15550003333@s.whatsapp.net', result: 'added', code: '200' }] },
                ],
              },
            ),
            ...failures,
          },
        },
      },
      async (request) => ({
        results: await groups.participants(
          request.principal,
          request.params.id,
          request.params.jid,
          request.body.action,
          request.body.participants,
        ),
      }),
    );

    app.get(
      '/instances/:id/groups/:jid/invite',
      {
        schema: {
          tags,
          summary: "The group's invite code and link",
          params: IdAndJid,
          response: { 200: Invite, ...failures },
        },
      },
      async (request) => groups.invite(request.principal, request.params.id, request.params.jid),
    );

    app.delete(
      '/instances/:id/groups/:jid/invite',
      {
        schema: {
          tags,
          summary: 'Revoke the invite link; answers with the new one',
          params: IdAndJid,
          response: { 200: Invite, ...failures },
        },
      },
      async (request) => groups.revokeInvite(request.principal, request.params.id, request.params.jid),
    );

    app.post(
      '/instances/:id/groups/:jid/leave',
      {
        schema: {
          tags,
          summary: 'Leave the group',
          params: IdAndJid,
          response: { 200: Type.Object({ ok: Type.Boolean() }, { examples: [{ ok: true }] }), ...failures },
        },
      },
      async (request) => {
        await groups.leave(request.principal, request.params.id, request.params.jid);
        return { ok: true };
      },
    );

    const PictureUrl = Type.Object(
      { url: Nullable(Type.String()) },
      { examples: [{ url: 'https://mmg.whatsapp.net/v/t61/…' }] },
    );
    app.get(
      '/instances/:id/groups/:jid/picture',
      {
        schema: {
          tags,
          summary: "The URL of the group's picture (null: none)",
          params: IdAndJid,
          response: { 200: PictureUrl, ...failures },
        },
      },
      async (request) => groups.picture(request.principal, request.params.id, request.params.jid),
    );

    app.put(
      '/instances/:id/groups/:jid/picture',
      {
        schema: {
          tags,
          summary: "Set the group's picture (a JPEG or PNG, base64)",
          params: IdAndJid,
          body: Type.Object(
            { image: Type.String({ minLength: 4, maxLength: 14_000_000, contentEncoding: 'base64' }) },
            { additionalProperties: false, examples: [{ image: 'iVBORw0KGgoAAAANSUhEUgAA' }] },
          ),
          response: { 200: PictureUrl, ...failures },
        },
      },
      async (request) =>
        groups.setPicture(request.principal, request.params.id, request.params.jid, request.body.image),
    );

    await app.register(groupRequestRoutes(groups));
  };
