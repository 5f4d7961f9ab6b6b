import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ContactService } from '../../contacts/contact-service.ts';
import { Errors } from '../../errors.ts';
import { errorResponses, IdParam } from '../schemas.ts';
import {
  OwnProfileBody,
  ownProfileJson,
  PRIVACY_FIELDS,
  PrivacyBody,
  privacyJson,
} from './contact-schemas.ts';

const tags = ['profile'];
const conflict = { 409: errorResponses[404] };
/** A profile picture is small: WhatsApp scales it to 640×640. */
const MAX_PICTURE_BYTES = 5 * 1024 * 1024;

/** The number's own profile (push name, about, picture) and its privacy settings. */
export const profileRoutes =
  (contacts: ContactService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/instances/:id/profile',
      {
        schema: {
          tags,
          summary: "The number's own push name, about text and picture URL",
          params: IdParam,
          response: { 200: OwnProfileBody, ...errorResponses, ...conflict },
        },
      },
      async (request) => ownProfileJson(await contacts.profile(request.principal, request.params.id)),
    );

    app.patch(
      '/instances/:id/profile',
      {
        schema: {
          tags,
          summary: 'Change the push name and/or the about text',
          params: IdParam,
          body: Type.Object(
            {
              pushName: Type.Optional(Type.String({ minLength: 1, maxLength: 25, examples: ['Support'] })),
              about: Type.Optional(Type.String({ maxLength: 139, examples: ['We answer 9 to 5'] })),
            },
            { additionalProperties: false, minProperties: 1 },
          ),
          response: { 200: OwnProfileBody, ...errorResponses, ...conflict },
        },
      },
      async (request) =>
        ownProfileJson(await contacts.updateProfile(request.principal, request.params.id, request.body)),
    );

    app.put(
      '/instances/:id/profile/picture',
      {
        schema: {
          tags,
          summary: 'Set the profile picture (an image, base64)',
          params: IdParam,
          body: Type.Object(
            {
              base64: Type.String({
                minLength: 8,
                maxLength: Math.ceil((MAX_PICTURE_BYTES * 4) / 3) + 4,
                description: 'JPEG, PNG or WebP bytes, base64',
                examples: [
                  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYPgPAAEDAQAIicLsAAAAAElFTkSuQmCC',
                ],
              }),
            },
            { additionalProperties: false },
          ),
          response: { 200: OwnProfileBody, ...errorResponses, ...conflict },
        },
      },
      async (request) => {
        const base64 = request.body.base64.replace(/\s/g, '');
        if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) throw Errors.validation('base64 is not valid base64');
        const bytes = Buffer.from(base64, 'base64');
        return ownProfileJson(await contacts.setPicture(request.principal, request.params.id, bytes));
      },
    );

    app.delete(
      '/instances/:id/profile/picture',
      {
        schema: {
          tags,
          summary: 'Remove the profile picture',
          params: IdParam,
          response: { 200: OwnProfileBody, ...errorResponses, ...conflict },
        },
      },
      async (request) =>
        ownProfileJson(await contacts.setPicture(request.principal, request.params.id, null)),
    );

    app.get(
      '/instances/:id/profile/privacy',
      {
        schema: {
          tags,
          summary: 'Privacy settings: last seen, online, picture, about, read receipts, groups add',
          params: IdParam,
          response: { 200: PrivacyBody, ...errorResponses, ...conflict },
        },
      },
      async (request) => privacyJson(await contacts.privacy(request.principal, request.params.id)),
    );

    app.patch(
      '/instances/:id/profile/privacy',
      {
        schema: {
          tags,
          summary: 'Change privacy settings (the ones given); answers all of them',
          params: IdParam,
          body: Type.Partial(Type.Object(PRIVACY_FIELDS), { additionalProperties: false, minProperties: 1 }),
          response: { 200: PrivacyBody, ...errorResponses, ...conflict },
        },
      },
      async (request) =>
        privacyJson(await contacts.updatePrivacy(request.principal, request.params.id, request.body)),
    );
  };
