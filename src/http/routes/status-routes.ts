import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, type TProperties, Type } from 'typebox';
import { MAX_STATUS_CONTACTS, STATUS_FONTS, STATUS_TYPES, type StatusType } from '../../domain/status.ts';
import type { StatusInput } from '../../outbox/status-input.ts';
import type { StatusService } from '../../outbox/status-service.ts';
import { errorResponses, IdParam, TextInteger } from '../schemas.ts';
import { MessageJson, messageJson } from './message-routes.ts';

const tags = ['messages'];

/** Fields every status update carries besides its content. */
const audience = {
  contacts: Type.Array(
    Type.String({ minLength: 1, maxLength: 64, description: 'a phone number (international digits)' }),
    {
      minItems: 1,
      maxItems: MAX_STATUS_CONTACTS,
      description: 'who may see the status: only these contacts receive it',
      examples: [['5511987654321', '5511912345678']],
    },
  ),
  ttl: Type.Optional(
    TextInteger({ minimum: 1, maximum: 30 * 86_400, description: 'seconds; still queued after it → failed' }),
  ),
};

const mediaFields = {
  url: Type.Optional(
    Type.String({ maxLength: 4096, description: 'an https URL the gateway downloads when it sends' }),
  ),
  base64: Type.Optional(Type.String({ description: 'the file inline, base64 (standard or URL-safe)' })),
  mimetype: Type.Optional(Type.String({ maxLength: 128, description: 'checked against the bytes' })),
  caption: Type.Optional(Type.String({ maxLength: 4096 })),
};

function kind<T extends StatusType, P extends TProperties>(
  type: T,
  title: string,
  description: string,
  properties: P,
) {
  return Type.Object(
    { type: Type.Literal(type), ...audience, ...properties },
    { title, description, additionalProperties: false },
  );
}

export const STATUS_KINDS = {
  text: kind('text', 'Text status', 'Text on a coloured background.', {
    text: Type.String({ minLength: 1, maxLength: 4096 }),
    backgroundColor: Type.Optional(
      Type.String({ maxLength: 16, description: '#RRGGBB or #AARRGGBB', examples: ['#25D366'] }),
    ),
    font: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 10,
        description: `WhatsApp's font number: ${STATUS_FONTS.join(', ')}`,
      }),
    ),
  }),
  image: kind('image', 'Image status', 'A picture: give exactly one of url or base64.', mediaFields),
  video: kind('video', 'Video status', 'A video (MP4): give exactly one of url or base64.', mediaFields),
};

const contacts = ['5511987654321', '5511912345678'];
const STATUS_EXAMPLES: { [K in StatusType]: Static<(typeof STATUS_KINDS)[K]> } = {
  text: { type: 'text', text: 'Open until 8 pm today 🎄', backgroundColor: '#25D366', font: 1, contacts },
  image: { type: 'image', url: 'https://example.com/catalog/new-in.jpg', caption: 'New in', contacts },
  video: { type: 'video', url: 'https://example.com/clips/store-tour.mp4', contacts },
};

/** The status body: one schema per type, chosen by `type`, like the send body. */
export const StatusBody = Type.Unsafe<StatusInput>({
  type: 'object',
  required: ['type', 'contacts'],
  discriminator: { propertyName: 'type' },
  oneOf: STATUS_TYPES.map((type) => STATUS_KINDS[type]),
  examples: STATUS_TYPES.map((type) => STATUS_EXAMPLES[type]),
});

/** Status updates (the Status tab): posted to `status@broadcast` for a list of contacts. */
export const statusRoutes =
  (statuses: StatusService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/instances/:id/status',
      {
        // base64 media: a 64 MB video is ~86 MB of JSON
        bodyLimit: 90 * 1024 * 1024,
        schema: {
          tags,
          summary: 'Queue a status update (text, image or video) shown to the listed contacts only (202)',
          params: IdParam,
          body: StatusBody,
          response: { 202: MessageJson, 409: errorResponses[400], ...errorResponses },
        },
      },
      async (request, reply) => {
        const header = request.headers['idempotency-key'];
        const key = typeof header === 'string' && header ? header.slice(0, 200) : undefined;
        const { message } = await statuses.post(request.principal, request.params.id, request.body, {
          ...(key ? { idempotencyKey: key } : {}),
        });
        return reply.status(202).send(messageJson(message));
      },
    );
  };
