import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ContactService } from '../../contacts/contact-service.ts';
import type { ChatAction } from '../../engine/account-ops.ts';
import { errorResponses, IdParam } from '../schemas.ts';
import { ChatBody, ChatParams, chatJson, PageQuery } from './contact-schemas.ts';

const tags = ['chats'];
const conflict = { 409: errorResponses[404] };

/** The actions of `POST /chats/:chat/<action>`, each one WhatsApp app-state change. */
const ACTIONS: ReadonlyArray<{ path: string; action: ChatAction; summary: string }> = [
  { path: 'archive', action: 'archive', summary: 'Archive a chat' },
  { path: 'unarchive', action: 'unarchive', summary: 'Take a chat out of the archive' },
  { path: 'pin', action: 'pin', summary: 'Pin a chat to the top' },
  { path: 'unpin', action: 'unpin', summary: 'Unpin a chat' },
  { path: 'unmute', action: 'unmute', summary: 'Unmute a chat' },
  { path: 'mark-unread', action: 'mark-unread', summary: 'Mark a chat unread' },
];

/** The chat list (from the history at link, kept up to date) and the changes made to chats. */
export const chatListRoutes =
  (contacts: ContactService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/instances/:id/chats',
      {
        schema: {
          tags,
          summary: 'Chats: newest message first, with unread count and archive, pin and mute state',
          params: IdParam,
          querystring: Type.Intersect([
            PageQuery(200),
            Type.Object({ archived: Type.Optional(Type.Boolean()) }),
          ]),
          response: {
            200: Type.Object({
              items: Type.Array(ChatBody),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const q = request.query;
        const page = await contacts.listChats(request.principal, request.params.id, {
          limit: q.limit ?? 50,
          ...(q.cursor ? { cursor: q.cursor } : {}),
          ...(q.archived !== undefined ? { archived: q.archived } : {}),
        });
        return { items: page.items.map(chatJson), nextCursor: page.nextCursor };
      },
    );

    for (const { path, action, summary } of ACTIONS) {
      app.post(
        `/instances/:id/chats/:chat/${path}`,
        {
          schema: {
            tags,
            summary,
            params: ChatParams,
            response: { 200: ChatBody, ...errorResponses, ...conflict },
          },
        },
        async (request) => {
          const chat = await contacts.changeChat(
            request.principal,
            request.params.id,
            request.params.chat,
            action,
          );
          return chatJson(chat ?? never());
        },
      );
    }

    app.post(
      '/instances/:id/chats/:chat/mute',
      {
        schema: {
          tags,
          summary: 'Mute a chat, until a time or for ever',
          params: ChatParams,
          body: Type.Optional(
            Type.Object(
              {
                until: Type.Optional(
                  Type.String({
                    format: 'date-time',
                    examples: ['2030-01-01T00:00:00Z'],
                    description: 'absent: for ever',
                  }),
                ),
              },
              { additionalProperties: false },
            ),
          ),
          response: { 200: ChatBody, ...errorResponses, ...conflict },
        },
      },
      async (request) => {
        const until = request.body?.until ? Date.parse(request.body.until) : undefined;
        const chat = await contacts.changeChat(
          request.principal,
          request.params.id,
          request.params.chat,
          'mute',
          until,
        );
        return chatJson(chat ?? never());
      },
    );

    app.delete(
      '/instances/:id/chats/:chat',
      {
        schema: {
          tags,
          summary: 'Delete a chat (for this number)',
          params: ChatParams,
          response: { 204: Type.Null(), ...errorResponses, ...conflict },
        },
      },
      async (request, reply) => {
        await contacts.changeChat(request.principal, request.params.id, request.params.chat, 'delete');
        return reply.code(204).send(null);
      },
    );
  };

function never(): never {
  throw new Error('a chat change other than delete returns the chat');
}
