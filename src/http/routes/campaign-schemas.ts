import { type TObject, Type } from 'typebox';
import { MESSAGE_TYPES } from '../../domain/message.ts';
import { type CampaignMessageInput, NOT_IN_CAMPAIGNS } from '../../outbox/campaign-message.ts';
import { type CampaignView, type CreatedCampaign, MAX_RECIPIENTS } from '../../outbox/campaign-service.ts';
import { SEND_KINDS } from './send-schemas.ts';

/** Every send type but those that answer one message in one chat (a reaction). */
const CAMPAIGN_TYPES = MESSAGE_TYPES.filter((type) => !NOT_IN_CAMPAIGNS.has(type) && type in SEND_KINDS);

/** A send type's schema for a campaign: its own fields, without `to` (the recipients say it) nor a quote. */
function forCampaign(schema: TObject): TObject {
  const { to: _to, replyTo: _replyTo, ...properties } = schema.properties;
  const { title, description } = schema as { title?: string; description?: string };
  return Type.Object(properties, {
    ...(title ? { title: `Campaign ${title.toLowerCase()}` } : {}),
    ...(description ? { description } : {}),
    additionalProperties: false,
  });
}

const MESSAGE_EXAMPLE = {
  type: 'image',
  url: 'https://example.com/catalog/shoe.jpg',
  caption: 'Hi {{name}}, new in: size 42',
} as const;

/** A campaign's message: a single send's body without `to`, chosen by `type` as a send is. */
export const CampaignMessageBody = Type.Unsafe<CampaignMessageInput>({
  type: 'object',
  required: ['type'],
  discriminator: { propertyName: 'type' },
  oneOf: CAMPAIGN_TYPES.map((type) => forCampaign(SEND_KINDS[type])),
  description:
    'What every recipient gets: the body of a single send (any type but reaction) without `to` or `replyTo`. ' +
    '{{variables}} in a text or a caption are filled from each recipient. Media by URL is fetched once, ' +
    'when the campaign is created (the same URL guard and size limits as a send), and sent to everyone.',
  examples: [MESSAGE_EXAMPLE],
});

const Recipient = Type.Object(
  {
    to: Type.String({ minLength: 1, maxLength: 64 }),
    vars: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
    ),
  },
  { additionalProperties: false },
);

export const CampaignBody = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 200 })),
    template: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 65_536,
        description:
          'a text with {{variables}}: the same as message { type: "text", text }; give it or message',
      }),
    ),
    message: Type.Optional(CampaignMessageBody),
    recipients: Type.Array(Recipient, { minItems: 1, maxItems: MAX_RECIPIENTS }),
    dedupe: Type.Optional(
      Type.Boolean({
        default: true,
        description:
          'true: a recipient given more than once (the same number however written) is sent once, with the ' +
          "first line's variables; false: every line is sent. The answer lists the duplicates either way.",
      }),
    ),
    startAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

export const CampaignJson = Type.Object({
  id: Type.String(),
  instanceId: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  template: Type.String({ description: 'the text or caption template; empty for a message without one' }),
  status: Type.String(),
  total: Type.Integer(),
  startAt: Type.Union([Type.String(), Type.Null()]),
  counts: Type.Record(Type.String(), Type.Integer()),
  createdAt: Type.String(),
});

const Duplicate = Type.Object({
  to: Type.String({ description: 'the recipient as normalised: phone digits, or a group jid' }),
  count: Type.Integer({ minimum: 2, description: 'how many lines gave it' }),
});

const WHEN = '2026-12-01T12:00:00.000Z';
export const CreatedCampaignJson = Type.Object(
  {
    ...CampaignJson.properties,
    dedupe: Type.Boolean({ description: 'whether duplicates were sent once' }),
    duplicates: Type.Array(Duplicate, { description: 'recipients given more than once' }),
  },
  {
    examples: [
      {
        id: '0193a6f4-2d3e-7f50-9b00-2c3d4e5f6a71',
        instanceId: '0193a6f2-5b1e-7c3d-9f00-6a1b2c3d4e5f',
        name: 'December promo',
        template: 'Hi {{name}}, your code is {{code}}',
        status: 'running',
        total: 2,
        startAt: null,
        counts: { queued: 2 },
        createdAt: WHEN,
        dedupe: true,
        duplicates: [{ to: '5511912345678', count: 2 }],
      },
    ],
  },
);

export const campaignJson = (c: CampaignView) => ({
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

export const createdCampaignJson = (c: CreatedCampaign) => ({
  ...campaignJson(c),
  dedupe: c.dedupe,
  duplicates: c.duplicates,
});
