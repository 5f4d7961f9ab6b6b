import {
  MEDIA_TYPES,
  MESSAGE_TYPES,
  type MediaType,
  type MessageContent,
  type MessageType,
} from '../domain/message.ts';
import { normalizePhone } from '../domain/phone.ts';
import { Errors } from '../errors.ts';
import { linkPreviewOf, mentionsOf, type SendFeatureOptions, viewOnceOf } from './send-features.ts';

/** Largest media accepted per type, in bytes (WhatsApp's own limits, rounded down). */
export const MEDIA_LIMITS: Readonly<Record<MediaType, number>> = {
  image: 16 * 1024 * 1024,
  video: 64 * 1024 * 1024,
  audio: 16 * 1024 * 1024,
  document: 100 * 1024 * 1024,
  sticker: 1024 * 1024,
};

/** What a send request may ask for: a message of any type, or a copy of a stored one. */
export const SEND_TYPES = [...MESSAGE_TYPES, 'forward'] as const;
export type SendType = (typeof SEND_TYPES)[number];

/** What a caller asks to send: the content fields a sender may set, plus where and how. */
export type SendInput = Omit<
  MessageContent,
  'size' | 'revoked' | 'mediaError' | 'edited' | 'sender' | 'mentions' | 'mentionAll' | 'forwardingScore'
> & {
  to: string;
  type: SendType;
  /** Phone numbers or jids, or (to a group) `all`: every participant. */
  mentions?: string[] | 'all';
  /** Media given inline, as base64. */
  base64?: string;
  /** contact: the phone number of the vCard built when `vcard` is absent. */
  phone?: string;
  /** Seconds after which a message still queued is failed instead of sent. */
  ttl?: number;
};

export interface PreparedMessage {
  chatJid: string;
  type: MessageType;
  content: MessageContent;
  /** Media bytes given inline (base64 or upload); URL media is fetched when sending. */
  media?: Buffer;
}

export const isMediaType = (t: SendType): t is MediaType => (MEDIA_TYPES as readonly string[]).includes(t);

/** `15550001111`, `+1 555 000 1111`, a user jid or a group jid → the chat jid. */
export function chatJidOf(to: string): string {
  const trimmed = to.trim();
  if (/^\d{5,20}(-\d+)?@g\.us$/.test(trimmed)) return trimmed;
  const user = /^(\d+)(:\d+)?@s\.whatsapp\.net$/.exec(trimmed)?.[1];
  const phone = normalizePhone(user ?? trimmed);
  if (!phone)
    throw Errors.validation(`"to" must be a phone number in international form or a group jid, got "${to}"`, {
      field: 'to',
    });
  return `${phone}@s.whatsapp.net`;
}

const need = (cond: unknown, field: string, why: string): void => {
  if (!cond) throw Errors.validation(`${field} ${why}`, { field });
};

/** Standard or URL-safe base64, padded or not, line breaks allowed; anything else is refused. */
function decodeBase64(text: string): Buffer {
  const compact = text.replace(/\s+/g, '');
  if (!/^([A-Za-z0-9+/]*|[A-Za-z0-9_-]*)={0,2}$/.test(compact) || compact.replace(/=+$/, '').length % 4 === 1)
    throw Errors.invalidMedia('base64 is not valid base64 (A-Z, a-z, 0-9, + and /, = padding)', 'base64');
  return Buffer.from(compact, compact.includes('-') || compact.includes('_') ? 'base64url' : 'base64');
}

function mediaOf(
  input: SendInput,
  upload: Buffer | undefined,
  type: MediaType,
): { media?: Buffer; url?: string } {
  const sources = [input.url, input.base64, upload].filter((s) => s !== undefined).length;
  need(sources === 1, 'media', `: give exactly one of url, base64 or an uploaded file for a ${type}`);
  const limit = MEDIA_LIMITS[type];
  if (input.url) return { url: input.url };
  const bytes = upload ?? decodeBase64(input.base64 ?? '');
  need(bytes.length > 0, 'base64', 'decodes to no bytes');
  if (bytes.length > limit)
    throw Errors.validation(`a ${type} may be at most ${limit} bytes; this one has ${bytes.length}`, {
      field: 'media',
      limit,
    });
  return { media: bytes };
}

function vcardFor(displayName: string, phone: string): string {
  return [
    'BEGIN:VCARD',
    'VERSION:3.0',
    `FN:${displayName}`,
    `TEL;type=CELL;waid=${phone}:+${phone}`,
    'END:VCARD',
  ].join('\n');
}

function contentOf(input: SendInput): MessageContent {
  const c: MessageContent = {};
  switch (input.type) {
    case 'text':
      need(input.text?.trim(), 'text', 'is required for a text message');
      return { text: input.text };
    case 'location':
      need(
        typeof input.latitude === 'number' && Math.abs(input.latitude) <= 90,
        'latitude',
        'must be a number from -90 to 90',
      );
      need(
        typeof input.longitude === 'number' && Math.abs(input.longitude) <= 180,
        'longitude',
        'must be a number from -180 to 180',
      );
      return {
        latitude: input.latitude,
        longitude: input.longitude,
        name: input.name,
        address: input.address,
      };
    case 'contact': {
      need(input.displayName, 'displayName', 'is required for a contact card');
      const phone = input.phone ? normalizePhone(input.phone) : undefined;
      need(input.vcard || phone, 'vcard', 'or a valid phone is required for a contact card');
      return {
        displayName: input.displayName,
        vcard: input.vcard ?? vcardFor(input.displayName ?? '', phone ?? ''),
      };
    }
    case 'reaction':
      need(input.messageId, 'messageId', 'is required: the id of the message to react to');
      need(typeof input.emoji === 'string', 'emoji', 'is required ("" removes a reaction)');
      return { messageId: input.messageId, emoji: input.emoji };
    case 'poll': {
      const options = input.options ?? [];
      need(input.name?.trim(), 'name', 'is required for a poll');
      need(options.length >= 2 && options.length <= 12, 'options', 'must list 2 to 12 choices');
      need(new Set(options).size === options.length, 'options', 'must not repeat');
      const count = input.selectableCount ?? 1;
      need(count >= 0 && count <= options.length, 'selectableCount', `must be 0 (any) to ${options.length}`);
      return { name: input.name, options, selectableCount: count };
    }
    default:
      return c;
  }
}

/** Validates a send request and turns it into what the outbox stores. Throws coded 400s. */
export function prepareMessage(
  input: SendInput,
  upload?: Buffer,
  options: SendFeatureOptions = { linkPreviews: false },
): PreparedMessage {
  // a forward has no content of its own: it copies a stored message (forwarding.ts)
  if (input.type === 'forward') throw Errors.validation('a forward is made from the message it copies');
  const chatJid = chatJidOf(input.to);
  const base = { ...contentOf(input), ...(input.type === 'text' ? linkPreviewOf(input, options) : {}) };
  const extras: MessageContent = {
    ...(input.replyTo && input.type !== 'reaction' ? { replyTo: input.replyTo } : {}),
    ...mentionsOf(input, chatJid, chatJidOf),
    ...viewOnceOf(input),
  };
  if (!isMediaType(input.type)) return { chatJid, type: input.type, content: { ...base, ...extras } };
  const { media, url } = mediaOf(input, upload, input.type);
  const content: MessageContent = {
    ...(url ? { url } : {}),
    ...(input.caption && input.type !== 'audio' && input.type !== 'sticker'
      ? { caption: input.caption }
      : {}),
    ...(input.mimetype ? { mimetype: input.mimetype } : {}),
    ...(input.fileName ? { fileName: input.fileName } : {}),
    ...(input.type === 'audio' && input.voice ? { voice: true } : {}),
    ...(media ? { size: media.length } : {}),
    ...extras,
  };
  return { chatJid, type: input.type, content, ...(media ? { media } : {}) };
}
