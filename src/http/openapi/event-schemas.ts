import { type Static, type TSchema, Type } from 'typebox';
import { INSTANCE_STATUSES, type InstanceStatus } from '../../domain/instance.ts';
import {
  CAMPAIGN_STATUSES,
  type CampaignStatus,
  MESSAGE_STATUSES,
  MESSAGE_TYPES,
  type MessageContent,
  type MessageDirection,
  type MessageStatus,
  type MessageType,
} from '../../domain/message.ts';
import type { GatewayEventMap, GatewayEventName } from '../../events/event-map.ts';
import { ChatBody } from '../routes/contact-schemas.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const enumOf = <T extends string>(values: readonly T[]) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values] });
const InstanceStatusName = enumOf<InstanceStatus>(INSTANCE_STATUSES);
const Jid = Type.String({ examples: ['5511987654321@s.whatsapp.net'] });

/** A message's content as stored and as events carry it: only the fields its type uses are set. */
export const MessageContentSchema = Type.Object(
  {
    text: Type.Optional(Type.String()),
    caption: Type.Optional(Type.String()),
    mimetype: Type.Optional(Type.String()),
    fileName: Type.Optional(Type.String()),
    voice: Type.Optional(Type.Boolean()),
    url: Type.Optional(Type.String()),
    size: Type.Optional(Type.Number()),
    latitude: Type.Optional(Type.Number()),
    longitude: Type.Optional(Type.Number()),
    name: Type.Optional(Type.String()),
    address: Type.Optional(Type.String()),
    displayName: Type.Optional(Type.String()),
    vcard: Type.Optional(Type.String()),
    messageId: Type.Optional(Type.String()),
    emoji: Type.Optional(Type.String()),
    options: Type.Optional(Type.Array(Type.String())),
    selectableCount: Type.Optional(Type.Number()),
    statusContacts: Type.Optional(Type.Array(Type.String())),
    backgroundColor: Type.Optional(Type.String()),
    font: Type.Optional(Type.Number()),
    replyTo: Type.Optional(Type.String()),
    mentions: Type.Optional(Type.Array(Type.String())),
    revoked: Type.Optional(Type.Boolean()),
    mediaError: Type.Optional(Type.String()),
    edited: Type.Optional(Type.Boolean()),
    viewOnce: Type.Optional(Type.Boolean()),
    mentionAll: Type.Optional(Type.Boolean()),
    forwardingScore: Type.Optional(Type.Number()),
    forwardedFrom: Type.Optional(Type.String()),
    linkPreview: Type.Optional(
      Type.Union([
        Type.Literal(true),
        Type.Object({
          url: Type.String(),
          title: Type.String(),
          description: Type.Optional(Type.String()),
          thumbnailUrl: Type.Optional(Type.String()),
        }),
      ]),
    ),
    sender: Type.Optional(
      Type.Object({
        jid: Type.String(),
        phone: Nullable(Type.String()),
        lid: Nullable(Type.String()),
        pushName: Nullable(Type.String()),
      }),
    ),
  },
  { title: 'MessageContent' },
);

/**
 * Every field of MessageContent is named in its schema: an answer serialised through the schema
 * drops a field it does not name (a status update's audience and colours were, once).
 */
export const CONTENT_FIELDS_NAMED: Record<
  Exclude<keyof MessageContent, keyof Static<typeof MessageContentSchema>>,
  never
> = {};

const When = Type.String({ format: 'date-time' });

/**
 * A message as the history (`GET /messages`) shows it and the message events carry it: one shape,
 * built by `messageJson` (domain/message-json.ts). An inbound message's sender is `content.sender`.
 */
export const MessageJsonSchema = Type.Object(
  {
    id: Type.String({ description: 'the gateway id' }),
    waMessageId: Type.String({ description: 'the WhatsApp id' }),
    direction: enumOf<MessageDirection>(['inbound', 'outbound']),
    chat: Type.String({
      examples: ['5511987654321@s.whatsapp.net'],
      description: 'the chat: a user jid, a group jid, or status@broadcast',
    }),
    type: enumOf<MessageType>(MESSAGE_TYPES),
    content: MessageContentSchema,
    status: enumOf<MessageStatus>(MESSAGE_STATUSES),
    error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
    attempts: Type.Integer(),
    campaignId: Nullable(Type.String()),
    createdAt: Type.String({
      format: 'date-time',
      description: 'for an inbound message, when WhatsApp says it was sent',
    }),
    sentAt: Nullable(When),
    deliveredAt: Nullable(When),
    readAt: Nullable(When),
  },
  { title: 'Message' },
);

const ChangedMessage = {
  id: Nullable(
    Type.String({ description: 'the gateway id of the changed message, when the history has it' }),
  ),
  waMessageId: Type.String({ description: 'the WhatsApp id of the edit or revoke itself' }),
  chat: Jid,
  targetId: Type.String({ description: 'the WhatsApp id of the changed message' }),
  message: Nullable(MessageJsonSchema),
};

const CampaignCounts = Type.Object({
  campaignId: Type.String(),
  name: Nullable(Type.String()),
  status: enumOf<CampaignStatus>(CAMPAIGN_STATUSES),
  total: Type.Integer({ description: 'recipients in the campaign' }),
  counts: Type.Record(Type.String(), Type.Integer(), {
    description: "the campaign's messages by status",
    examples: [{ sent: 2, delivered: 7, failed: 1 }],
  }),
});

/** The `data` of each event, by name. A new event in GatewayEventMap needs its schema here (tsc says so). */
export const EVENT_DATA = {
  'instance.status': Type.Object({
    status: InstanceStatusName,
    previous: InstanceStatusName,
    reason: Type.Optional(Type.String()),
    phone: Type.Optional(Nullable(Type.String())),
  }),
  'instance.qr': Type.Object({
    qr: Type.String({ description: 'the QR payload; draw it, or fetch GET /instances/{id}/qr as image/png' }),
    qrDataUrl: Type.Optional(Type.String()),
  }),
  'message.status': MessageJsonSchema,
  'message.received': MessageJsonSchema,
  'message.sent': MessageJsonSchema,
  'message.reaction': MessageJsonSchema,
  'message.edited': Type.Object({ ...ChangedMessage, content: MessageContentSchema }),
  'message.revoked': Type.Object(ChangedMessage),
  'presence.update': Type.Object({
    kind: Type.Literal('presence'),
    chatJid: Jid,
    participant: Type.String(),
    presence: Type.String({ examples: ['composing'] }),
    lastSeen: Nullable(Type.Number()),
  }),
  'group.update': Type.Object({
    kind: Type.Literal('group'),
    groupJid: Type.String(),
    action: Type.String({
      examples: ['add', 'join_request'],
      description:
        'subject, description, announce, locked, ephemeral, join_approval, add, remove, promote, demote, leave, picture, invite_revoked; join_request when someone asks to join a group that admits by approval (changes.method), join_request_revoked when an admin rejected it or it was withdrawn',
    }),
    participants: Type.Array(Type.String()),
    author: Nullable(Type.String()),
    subject: Nullable(Type.String()),
    changes: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()])),
    ),
  }),
  'chat.update': Type.Object(
    {
      ...ChatBody.properties,
      deleted: Type.Boolean({ description: 'the chat was deleted (its state before)' }),
    },
    {
      description:
        'a chat changed (archive, pin, mute, unread, last message, deletion): its new state, as GET /chats lists it; at most one a second per chat, the last with the latest state',
    },
  ),
  'call.received': Type.Object({
    kind: Type.Literal('call'),
    callId: Type.String(),
    from: Type.String(),
    isVideo: Type.Boolean(),
    isGroup: Type.Boolean(),
    status: Type.String({ examples: ['offer'] }),
    outcome: Nullable(enumOf(['rejected', 'reject_failed', 'not_rejected'] as const)),
    replyMessageId: Nullable(Type.String()),
  }),
  'campaign.progress': CampaignCounts,
  'campaign.completed': CampaignCounts,
} satisfies { [K in GatewayEventName]: TSchema };

/** Compile-time proof that each schema describes exactly its event's data type. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const conforms: { [K in GatewayEventName]: Same<Static<(typeof EVENT_DATA)[K]>, GatewayEventMap[K]> } = {
  'instance.status': true,
  'instance.qr': true,
  'message.status': true,
  'message.received': true,
  'message.sent': true,
  'message.reaction': true,
  'message.edited': true,
  'message.revoked': true,
  'presence.update': true,
  'group.update': true,
  'chat.update': true,
  'call.received': true,
  'campaign.progress': true,
  'campaign.completed': true,
};
export const EVENT_NAMES = Object.keys(conforms) as GatewayEventName[];

/** The component name of an event's envelope: `message.status` → `MessageStatusEvent`. */
export const eventSchemaName = (event: string): string =>
  `${event
    .split('.')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('')}Event`;

/** The one envelope of webhooks, SSE and socket.io, for one event. */
export function envelopeOf(event: GatewayEventName): TSchema {
  return Type.Object(
    {
      id: Type.String({ format: 'uuid' }),
      event: Type.Literal(event),
      instance: Type.Object({ id: Type.String(), name: Type.String() }),
      tenantId: Nullable(Type.String()),
      timestamp: Type.String({ format: 'date-time' }),
      data: EVENT_DATA[event],
    },
    { title: eventSchemaName(event), description: `The envelope of a ${event} event.` },
  );
}
