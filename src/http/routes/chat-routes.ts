import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { normalizePhone } from '../../domain/phone.ts';
import type { MessageService } from '../../outbox/message-service.ts';
import { errorResponses, IdParam } from '../schemas.ts';

const tags = ['chats'];
const PRESENCE = ['composing', 'recording', 'paused', 'available', 'unavailable'] as const;

/** Read marks, presence (typing…) and number checks: things a connected instance does at once. */
export const chatRoutes =
  (messages: MessageService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/instances/:id/chats/:chat/read',
      {
        schema: {
          tags,
          summary: 'Mark messages of a chat as read (the given ids, or the latest received)',
          params: Type.Object({
            id: Type.String({ minLength: 1 }),
            chat: Type.String({ minLength: 1, maxLength: 64 }),
          }),
          body: Type.Object(
            { messageIds: Type.Optional(Type.Array(Type.String({ maxLength: 128 }), { maxItems: 500 })) },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ marked: Type.Integer() }), ...errorResponses },
        },
      },
      async (request) => ({
        marked: await messages.markRead(
          request.principal,
          request.params.id,
          request.params.chat,
          request.body.messageIds,
        ),
      }),
    );

    app.post(
      '/instances/:id/presence',
      {
        schema: {
          tags,
          summary: 'Show a presence: typing or recording in a chat, or available/unavailable',
          params: IdParam,
          body: Type.Object(
            {
              chat: Type.Optional(Type.String({ maxLength: 64 })),
              state: Type.Unsafe<(typeof PRESENCE)[number]>({ type: 'string', enum: [...PRESENCE] }),
            },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ ok: Type.Boolean() }), ...errorResponses },
        },
      },
      async (request) => {
        await messages.presence(request.principal, request.params.id, request.body.state, request.body.chat);
        return { ok: true };
      },
    );

    app.post(
      '/instances/:id/contacts/check',
      {
        schema: {
          tags,
          summary: 'Which numbers are on WhatsApp',
          params: IdParam,
          body: Type.Object(
            {
              numbers: Type.Array(Type.String({ minLength: 5, maxLength: 32 }), {
                minItems: 1,
                maxItems: 100,
              }),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              results: Type.Array(
                Type.Object({
                  number: Type.String(),
                  exists: Type.Boolean(),
                  jid: Type.Union([Type.String(), Type.Null()]),
                }),
              ),
            }),
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const numbers = request.body.numbers.map((n) => normalizePhone(n) ?? n.replace(/\D/g, ''));
        return { results: await messages.checkNumbers(request.principal, request.params.id, numbers) };
      },
    );
  };
