import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ContactService } from '../../contacts/contact-service.ts';
import { errorResponses, IdParam } from '../schemas.ts';
import { ContactBody, ContactDetailsBody, contactJson, JidParams, PageQuery } from './contact-schemas.ts';

const tags = ['contacts'];
const conflict = { 409: errorResponses[404] };
const Ok = Type.Object({ ok: Type.Boolean() });

/** Synced contacts, one contact's live profile, the block list and presence subscriptions. */
export const contactRoutes =
  (contacts: ContactService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/instances/:id/contacts',
      {
        schema: {
          tags,
          summary: 'Contacts synced from the phone and met in chats, with phone number and LID',
          params: IdParam,
          querystring: PageQuery(500),
          response: {
            200: Type.Object({
              items: Type.Array(ContactBody),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const q = request.query;
        const page = await contacts.listContacts(request.principal, request.params.id, {
          limit: q.limit ?? 50,
          ...(q.cursor ? { cursor: q.cursor } : {}),
        });
        return { items: page.items.map(contactJson), nextCursor: page.nextCursor };
      },
    );

    app.get(
      '/instances/:id/contacts/:jid',
      {
        schema: {
          tags,
          summary: 'A contact: name, about text, business profile and picture URL (asks WhatsApp)',
          params: JidParams,
          response: { 200: ContactDetailsBody, ...errorResponses, ...conflict },
        },
      },
      async (request) => contacts.contact(request.principal, request.params.id, request.params.jid),
    );

    for (const blocked of [true, false]) {
      app.post(
        `/instances/:id/contacts/:jid/${blocked ? 'block' : 'unblock'}`,
        {
          schema: {
            tags,
            summary: blocked ? 'Block a contact: its messages stop arriving' : 'Unblock a contact',
            params: JidParams,
            response: { 200: Ok, ...errorResponses, ...conflict },
          },
        },
        async (request) => {
          await contacts.setBlocked(request.principal, request.params.id, request.params.jid, blocked);
          return { ok: true };
        },
      );
    }

    app.get(
      '/instances/:id/blocklist',
      {
        schema: {
          tags,
          summary: 'The jids this number blocked',
          params: IdParam,
          response: {
            200: Type.Object({
              items: Type.Array(Type.String({ examples: ['15551234567@s.whatsapp.net'] })),
              nextCursor: Type.Null(),
            }),
            ...errorResponses,
            ...conflict,
          },
        },
      },
      async (request) => ({
        items: await contacts.blocklist(request.principal, request.params.id),
        nextCursor: null,
      }),
    );

    app.post(
      '/instances/:id/contacts/:jid/presence-subscribe',
      {
        schema: {
          tags,
          summary: "Subscribe to a contact's presence: presence.update events follow",
          params: JidParams,
          response: { 200: Ok, ...errorResponses, ...conflict },
        },
      },
      async (request) => {
        await contacts.subscribePresence(request.principal, request.params.id, request.params.jid);
        return { ok: true };
      },
    );
  };
