import { type Static, Type } from 'typebox';
import { chatStateOf } from '../../contacts/chat-state.ts';
import type { OwnProfile, PrivacySettings } from '../../engine/account-ops.ts';
import type { ChatRecord, ContactRecord } from '../../store/chat-repositories.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const JID = '15551234567@s.whatsapp.net';

/** `:jid` of the chat and contact routes: a jid, or a phone number. */
export const JidParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 128 }),
  jid: Type.String({ minLength: 5, maxLength: 64, examples: [JID, '15551234567'] }),
});

/** `:chat` of the chat routes (named as in chat-routes.ts, which shares the path). */
export const ChatParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 128 }),
  chat: Type.String({ minLength: 5, maxLength: 64, examples: [JID, '15551234567'] }),
});

export const ChatBody = Type.Object({
  jid: Type.String({ examples: [JID] }),
  name: Nullable(Type.String({ examples: ['Ann'] })),
  unreadCount: Type.Integer({ examples: [2] }),
  archived: Type.Boolean(),
  pinned: Type.Boolean(),
  muted: Type.Boolean(),
  mutedUntil: Nullable(
    Type.String({ format: 'date-time', description: 'null: not muted, or muted for ever' }),
  ),
  lastMessage: Nullable(
    Type.Object({
      waMessageId: Type.String({ examples: ['3EB0C431D5A2B1A5F0E2'] }),
      fromMe: Type.Boolean(),
      type: Type.String({ examples: ['text'] }),
      text: Nullable(Type.String({ examples: ['See you at 5'] })),
      timestamp: Type.String({ format: 'date-time' }),
    }),
  ),
  updatedAt: Type.String({ format: 'date-time' }),
});

/** The one shape of a chat (`chat.update` events carry it too). */
export const chatJson = (c: ChatRecord): Static<typeof ChatBody> => chatStateOf(c);

export const ContactBody = Type.Object({
  jid: Type.String({ examples: [JID] }),
  phone: Nullable(Type.String({ examples: ['15551234567'] })),
  lid: Nullable(Type.String({ examples: ['90000000123@lid'] })),
  name: Nullable(Type.String({ description: "the name in the phone's address book", examples: ['Ann'] })),
  pushName: Nullable(Type.String({ description: 'the name the contact gave itself', examples: ['Ann B.'] })),
  updatedAt: Type.String({ format: 'date-time' }),
});

export const contactJson = (c: ContactRecord): Static<typeof ContactBody> => ({
  jid: c.jid,
  phone: c.phone,
  lid: c.lid,
  name: c.name,
  pushName: c.pushName,
  updatedAt: c.updatedAt.toISOString(),
});

const Business = Type.Object({
  description: Type.String({ examples: ['Bakery since 1990'] }),
  category: Nullable(Type.String({ examples: ['Food'] })),
  email: Nullable(Type.String()),
  website: Nullable(Type.String()),
  address: Nullable(Type.String()),
});

export const ContactDetailsBody = Type.Object({
  jid: Type.String({ examples: [JID] }),
  phone: Nullable(Type.String({ examples: ['15551234567'] })),
  lid: Nullable(Type.String({ examples: ['90000000123@lid'] })),
  name: Nullable(Type.String()),
  pushName: Nullable(Type.String()),
  about: Nullable(Type.String({ examples: ['Hey there! I am using WhatsApp.'] })),
  aboutSetAt: Nullable(Type.String({ format: 'date-time' })),
  pictureUrl: Nullable(Type.String({ examples: ['https://pps.whatsapp.net/v/t61/abc.jpg'] })),
  isBusiness: Type.Boolean(),
  business: Nullable(Business),
});

export const OwnProfileBody = Type.Object({
  jid: Type.String({ examples: [JID] }),
  pushName: Nullable(Type.String({ examples: ['Support'] })),
  about: Nullable(Type.String({ examples: ['We answer 9 to 5'] })),
  pictureUrl: Nullable(Type.String()),
});
export const ownProfileJson = (p: OwnProfile): Static<typeof OwnProfileBody> => ({ ...p });

const privacyValue = (values: readonly string[], example: string) =>
  Type.Unsafe<string>({ type: 'string', enum: [...values], examples: [example] });

const VISIBILITY = ['all', 'contacts', 'contact_blacklist', 'none'] as const;
export const PRIVACY_FIELDS = {
  lastSeen: privacyValue(VISIBILITY, 'contacts'),
  online: privacyValue(['all', 'match_last_seen'], 'all'),
  profilePicture: privacyValue(VISIBILITY, 'all'),
  about: privacyValue(VISIBILITY, 'contacts'),
  readReceipts: privacyValue(['all', 'none'], 'all'),
  groupsAdd: privacyValue(['all', 'contacts', 'contact_blacklist'], 'contacts'),
};
export const PrivacyBody = Type.Object(PRIVACY_FIELDS);
export const privacyJson = (p: PrivacySettings): Static<typeof PrivacyBody> => ({ ...p });

export const PageQuery = (maximum: number) =>
  Type.Object({
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum, default: 50, allOf: [{ type: 'integer' }] })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  });
