import { type Static, type TObject, type TProperties, Type } from 'typebox';
import { MEDIA_TYPES } from '../../domain/message.ts';
import { SEND_TYPES, type SendInput, type SendType } from '../../outbox/message-input.ts';
import { TextInteger } from '../schemas.ts';

/** Fields every send may carry besides its content. */
const addressing = {
  to: Type.String({
    minLength: 1,
    maxLength: 64,
    description: 'phone number (international digits, country code first) or a group jid',
    examples: ['5511987654321'],
  }),
  ttl: Type.Optional(
    TextInteger({ minimum: 1, maximum: 30 * 86_400, description: 'seconds; still queued after it → failed' }),
  ),
};
const quoting = {
  replyTo: Type.Optional(
    Type.String({ maxLength: 128, description: 'the gateway or WhatsApp id of the message to quote' }),
  ),
  mentions: Type.Optional(
    Type.Union(
      // "all" first: Ajv coerces a lone value into an array, so the array would take it
      [
        Type.Literal('all', {
          description: 'to a group: every participant, as the group is when it is sent',
        }),
        Type.Array(Type.String({ maxLength: 64 }), {
          maxItems: 256,
          description: 'phone numbers or jids mentioned with @ in the text or caption',
        }),
      ],
      { examples: [['5511912345678'], 'all'] },
    ),
  ),
};
const viewOnce = {
  viewOnce: Type.Optional(
    Type.Boolean({ description: 'the recipient may open it once, then it is gone (view once)' }),
  ),
};
/** A link preview as the caller gives it, or `true` for the gateway to build it (LINK_PREVIEWS=1). */
const LinkPreviewField = Type.Union(
  [
    Type.Literal(true, { description: 'build it from the first URL in the text (LINK_PREVIEWS=1)' }),
    Type.Object(
      {
        url: Type.String({
          minLength: 1,
          maxLength: 4096,
          description: 'the link, as it appears in the text',
        }),
        title: Type.String({ minLength: 1, maxLength: 1024 }),
        description: Type.Optional(Type.String({ maxLength: 4096 })),
        thumbnailUrl: Type.Optional(
          Type.String({
            maxLength: 4096,
            description: 'an image fetched when it is sent, for the thumbnail',
          }),
        ),
      },
      { additionalProperties: false },
    ),
  ],
  {
    description: 'the card shown under the text for its link',
    examples: [{ url: 'https://example.com/sale', title: 'Summer sale', description: 'Up to 50% off' }],
  },
);
const mediaSource = {
  url: Type.Optional(
    Type.String({ maxLength: 4096, description: 'an https URL the gateway downloads when it sends' }),
  ),
  base64: Type.Optional(Type.String({ description: 'the file inline, base64 (standard or URL-safe)' })),
  mimetype: Type.Optional(Type.String({ maxLength: 128, description: 'checked against the bytes' })),
  fileName: Type.Optional(Type.String({ maxLength: 255 })),
};
const caption = { caption: Type.Optional(Type.String({ maxLength: 4096 })) };

/** One branch of the union: `type` fixed to its literal, nothing but its own fields allowed. */
function kind<T extends SendType, P extends TProperties>(
  type: T,
  title: string,
  description: string,
  properties: P,
) {
  return Type.Object(
    { type: Type.Literal(type), ...addressing, ...properties },
    { title, description, additionalProperties: false },
  );
}

const media = <T extends (typeof MEDIA_TYPES)[number], P extends TProperties>(
  type: T,
  title: string,
  what: string,
  extra: P,
) =>
  kind(type, title, `${what}: give exactly one of url, base64 or (multipart) a file part.`, {
    ...mediaSource,
    ...extra,
    ...quoting,
  });

/** Each message type with its own fields; the gateway checks the rest (bounds, media bytes). */
export const SEND_KINDS = {
  text: kind('text', 'Text', 'A text message.', {
    text: Type.String({ minLength: 1, maxLength: 65_536 }),
    linkPreview: Type.Optional(LinkPreviewField),
    ...quoting,
  }),
  image: media('image', 'Image', 'A picture (JPEG, PNG or WebP, up to 16 MB)', { ...caption, ...viewOnce }),
  video: media('video', 'Video', 'A video (MP4, up to 64 MB)', { ...caption, ...viewOnce }),
  audio: media('audio', 'Audio', 'An audio file or, with voice, a voice note (up to 16 MB)', {
    voice: Type.Optional(Type.Boolean({ description: 'send as a voice note (push to talk)' })),
    ...viewOnce,
  }),
  document: media('document', 'Document', 'Any file, shown with its name (up to 100 MB)', caption),
  sticker: media('sticker', 'Sticker', 'A WebP sticker (up to 1 MB)', {}),
  location: kind('location', 'Location', 'A pinned location.', {
    latitude: Type.Number({ minimum: -90, maximum: 90 }),
    longitude: Type.Number({ minimum: -180, maximum: 180 }),
    name: Type.Optional(Type.String({ maxLength: 1024 })),
    address: Type.Optional(Type.String({ maxLength: 1024 })),
    ...quoting,
  }),
  contact: kind('contact', 'Contact card', 'A contact card: a vcard, or a phone number to build one from.', {
    displayName: Type.String({ minLength: 1, maxLength: 256 }),
    phone: Type.Optional(Type.String({ maxLength: 32 })),
    vcard: Type.Optional(Type.String({ maxLength: 16_384 })),
    ...quoting,
  }),
  reaction: kind('reaction', 'Reaction', 'An emoji on an earlier message; "" removes the reaction.', {
    messageId: Type.String({
      minLength: 1,
      maxLength: 128,
      description: 'the gateway or WhatsApp id of the message reacted to',
    }),
    emoji: Type.String({ maxLength: 32 }),
  }),
  poll: kind('poll', 'Poll', 'A poll of 2 to 12 distinct options.', {
    name: Type.String({ minLength: 1, maxLength: 1024, description: 'the question' }),
    options: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 2, maxItems: 12 }),
    selectableCount: Type.Optional(
      TextInteger({ minimum: 0, maximum: 12, description: 'how many a voter may pick; 0: any' }),
    ),
    ...quoting,
  }),
  forward: kind(
    'forward',
    'Forward',
    "A message of this instance's history sent again, marked forwarded (text, media whose bytes are kept or that came by URL, location, contact, poll).",
    {
      messageId: Type.String({
        minLength: 1,
        maxLength: 128,
        description: 'the gateway or WhatsApp id of the message to forward',
      }),
    },
  ),
} satisfies { [K in SendType]: TObject };

const to = '5511987654321';
/** A working request body per type, shown in /docs (and checked against its schema by a test). */
export const SEND_EXAMPLES: {
  [K in SendType]: { summary: string; value: Static<(typeof SEND_KINDS)[K]> };
} = {
  text: { summary: 'Text', value: { to, type: 'text', text: 'Your order #1042 has shipped 📦' } },
  image: {
    summary: 'Image by URL, with a caption',
    value: { to, type: 'image', url: 'https://example.com/catalog/shoe.jpg', caption: 'New in: size 42' },
  },
  video: { summary: 'Video by URL', value: { to, type: 'video', url: 'https://example.com/clips/demo.mp4' } },
  audio: {
    summary: 'Voice note',
    value: { to, type: 'audio', url: 'https://example.com/voice/hello.ogg', voice: true },
  },
  document: {
    summary: 'Document inline (base64)',
    value: {
      to,
      type: 'document',
      base64: 'JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PD4+CmVuZG9iagp0cmFpbGVyCjw8Pj4KJSVFT0YK',
      mimetype: 'application/pdf',
      fileName: 'invoice-1042.pdf',
      caption: 'Your invoice',
    },
  },
  sticker: {
    summary: 'Sticker',
    value: { to, type: 'sticker', url: 'https://example.com/stickers/ok.webp' },
  },
  location: {
    summary: 'Location',
    value: {
      to,
      type: 'location',
      latitude: -23.5613,
      longitude: -46.6565,
      name: 'Loja Paulista',
      address: 'Av. Paulista, 1000, São Paulo',
    },
  },
  contact: {
    summary: 'Contact card from a phone number',
    value: { to, type: 'contact', displayName: 'Support desk', phone: '5511912345678' },
  },
  reaction: {
    summary: 'Reaction',
    value: { to, type: 'reaction', messageId: '3EB0C431C26A1916E07A', emoji: '👍' },
  },
  poll: {
    summary: 'Poll',
    value: {
      to,
      type: 'poll',
      name: 'Delivery slot?',
      options: ['Morning', 'Afternoon'],
      selectableCount: 1,
    },
  },
  forward: {
    summary: 'Forward a stored message',
    value: { to, type: 'forward', messageId: '3EB0C431C26A1916E07A' },
  },
};

/**
 * The send body: one schema per message type, chosen by `type` (Ajv's discriminator, so a bad
 * body is reported against its own type's fields, and an unknown type as such).
 */
export const SendBody = Type.Unsafe<SendInput>({
  type: 'object',
  required: ['type'],
  discriminator: { propertyName: 'type' },
  oneOf: SEND_TYPES.map((type) => SEND_KINDS[type]),
  examples: SEND_TYPES.map((type) => SEND_EXAMPLES[type].value),
});

/** The fields of a multipart send, documented: the JSON fields as form fields, plus the file. */
export const MultipartSendBody = {
  type: 'object',
  required: ['to', 'type', 'file'],
  properties: {
    to: addressing.to,
    type: { type: 'string', enum: [...MEDIA_TYPES] },
    file: {
      type: 'string',
      format: 'binary',
      description: 'the media; its name and type fill fileName and mimetype',
    },
    caption: { type: 'string', maxLength: 4096 },
    voice: { type: 'boolean' },
    viewOnce: { type: 'boolean' },
    replyTo: { type: 'string', maxLength: 128 },
    ttl: { type: 'integer', minimum: 1 },
  },
} as const;
