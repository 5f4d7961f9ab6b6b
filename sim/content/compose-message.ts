import { createCipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { getMediaKeys, isJidGroup, type MediaType, proto } from 'baileys';
import { badInput } from '../errors.ts';
import type { MediaHost } from '../media/media-host.ts';

/** Where a simulated contact's message goes. */
export interface ComposeContext {
  media: MediaHost;
  /** The simulated contact sending the message. */
  senderJid: string;
  /** The chat as the sender sees it: the recipient account's jid, or a group jid. */
  chatJid: string;
}

/** A message ready to be encrypted and relayed, with the stanza attributes WhatsApp would put on it. */
export interface ComposedMessage {
  message: proto.IMessage;
  /** The `type` attribute of the `<message>` stanza. */
  stanzaType: 'text' | 'media' | 'reaction' | 'poll';
  /** The `edit` attribute of the stanza: '1' for an edit, '7' for a revoke. */
  edit?: '1' | '7';
  /** The `mediatype` attribute of the `<enc>` node (as Baileys sets it). */
  mediaType?: string;
}

export type MediaKind = 'image' | 'video' | 'audio' | 'document' | 'sticker';

/** A media blob encrypted the WhatsApp way, with everything a media message must carry. */
export interface EncryptedMedia {
  mediaKey: Buffer;
  /** What is uploaded: AES-256-CBC ciphertext followed by the first 10 bytes of its HMAC. */
  file: Buffer;
  fileSha256: Buffer;
  fileEncSha256: Buffer;
}

type Body = Record<string, unknown>;

const MAX_TEXT = 65_536;
const CONTEXT_FIELDS = ['replyTo', 'replyToSender', 'quotedText', 'mentions'];
const DEFAULT_MIMETYPES: Readonly<Record<MediaKind, string>> = {
  image: 'image/jpeg',
  video: 'video/mp4',
  audio: 'audio/ogg; codecs=opus',
  document: 'application/octet-stream',
  sticker: 'image/webp',
};
const MEDIA_FIELDS: Readonly<Record<MediaKind, readonly string[]>> = {
  image: ['data', 'mimetype', 'caption'],
  video: ['data', 'mimetype', 'caption', 'seconds'],
  audio: ['data', 'mimetype', 'ptt', 'seconds'],
  document: ['data', 'mimetype', 'caption', 'fileName'],
  sticker: ['data', 'mimetype'],
};
type Composer = (body: Body, ctx: ComposeContext) => ComposedMessage | Promise<ComposedMessage>;
const mediaComposer =
  (kind: MediaKind): Composer =>
  (body, ctx) =>
    composeMedia(kind, body, ctx);
const COMPOSERS: Readonly<Record<string, Composer>> = {
  text: composeText,
  image: mediaComposer('image'),
  video: mediaComposer('video'),
  audio: mediaComposer('audio'),
  document: mediaComposer('document'),
  sticker: mediaComposer('sticker'),
  location: composeLocation,
  contact: composeContact,
  reaction: composeReaction,
  poll: composePoll,
  edit: composeEdit,
  revoke: composeRevoke,
};

/**
 * Turns an admin-API request body ("the contact sends this") into the protobuf message a WhatsApp phone
 * would send, shaped the way Baileys builds the same message. Media is encrypted and stored on the media
 * host. Throws `badInput` for anything malformed.
 */
export async function composeMessage(input: unknown, ctx: ComposeContext): Promise<ComposedMessage> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw badInput('the message must be a JSON object with a "type"');
  }
  const body = input as Body;
  const compose =
    typeof body.type === 'string' && Object.hasOwn(COMPOSERS, body.type) && COMPOSERS[body.type];
  if (!compose) {
    throw badInput(`"type" must be one of: ${Object.keys(COMPOSERS).join(', ')}`);
  }
  return compose(body, ctx);
}

function composeText(body: Body, ctx: ComposeContext): ComposedMessage {
  allowFields(body, 'text', ['text', ...CONTEXT_FIELDS]);
  const text = requireText(body, 'text');
  const contextInfo = contextInfoFrom(body, ctx);
  const message: proto.IMessage = contextInfo
    ? { extendedTextMessage: { text, contextInfo } }
    : { conversation: text };
  return { message, stanzaType: 'text' };
}

async function composeMedia(kind: MediaKind, body: Body, ctx: ComposeContext): Promise<ComposedMessage> {
  allowFields(body, kind, [...MEDIA_FIELDS[kind], ...CONTEXT_FIELDS]);
  const data = decodeBase64(body.data, 'data');
  const mimetype = optionalText(body, 'mimetype', 255) ?? DEFAULT_MIMETYPES[kind];
  const caption = optionalText(body, 'caption', MAX_TEXT);
  const fileName = optionalText(body, 'fileName', 255);
  const ptt = optionalBoolean(body, 'ptt');
  const seconds = optionalInteger(body, 'seconds', 0, 86_400);
  const contextInfo = contextInfoFrom(body, ctx);

  const encrypted = await encryptMedia(data, kind);
  const { url, directPath } = ctx.media.put(encrypted.file, kind);
  const fields = {
    url,
    directPath,
    mediaKey: encrypted.mediaKey,
    fileSha256: encrypted.fileSha256,
    fileEncSha256: encrypted.fileEncSha256,
    fileLength: data.length,
    mimetype,
    mediaKeyTimestamp: Math.floor(Date.now() / 1000),
    ...(caption !== undefined ? { caption } : {}),
    ...(seconds !== undefined ? { seconds } : {}),
    ...(contextInfo ? { contextInfo } : {}),
  };
  const message: proto.IMessage = {};
  if (kind === 'image') message.imageMessage = fields;
  else if (kind === 'video') message.videoMessage = fields;
  else if (kind === 'audio') message.audioMessage = { ...fields, ptt: ptt ?? false };
  else if (kind === 'sticker') message.stickerMessage = fields;
  else message.documentMessage = { ...fields, fileName: fileName ?? 'file' };
  const mediaType = kind === 'audio' && ptt ? 'ptt' : kind;
  return { message, stanzaType: 'media', mediaType };
}

function composeLocation(body: Body, ctx: ComposeContext): ComposedMessage {
  allowFields(body, 'location', ['latitude', 'longitude', 'name', 'address', ...CONTEXT_FIELDS]);
  const degreesLatitude = requireNumber(body, 'latitude', -90, 90);
  const degreesLongitude = requireNumber(body, 'longitude', -180, 180);
  const name = optionalText(body, 'name', 1024);
  const address = optionalText(body, 'address', 1024);
  const contextInfo = contextInfoFrom(body, ctx);
  const locationMessage: proto.Message.ILocationMessage = {
    degreesLatitude,
    degreesLongitude,
    ...(name !== undefined ? { name } : {}),
    ...(address !== undefined ? { address } : {}),
    ...(contextInfo ? { contextInfo } : {}),
  };
  // Baileys sends a location as a plain `text` stanza (its getMediaType has no location entry).
  return { message: { locationMessage }, stanzaType: 'text' };
}

function composeContact(body: Body, ctx: ComposeContext): ComposedMessage {
  allowFields(body, 'contact', ['displayName', 'vcard', 'phone', ...CONTEXT_FIELDS]);
  const displayName = requireText(body, 'displayName', 256);
  const given = optionalText(body, 'vcard', MAX_TEXT);
  if (given !== undefined && body.phone !== undefined) {
    throw badInput('give either "vcard" or "phone" for a contact, not both');
  }
  let vcard: string;
  if (given !== undefined) {
    if (!/^BEGIN:VCARD\r?\n/i.test(given) || !/\r?\nEND:VCARD\s*$/i.test(given)) {
      throw badInput('"vcard" must be a vCard: BEGIN:VCARD … END:VCARD');
    }
    vcard = given;
  } else if (body.phone !== undefined) {
    const digits = toUserJid(body.phone, 'phone').split('@')[0] ?? '';
    vcard = minimalVcard(displayName, digits);
  } else {
    throw badInput('a contact needs "vcard" (a vCard text) or "phone" (a phone number)');
  }
  const contextInfo = contextInfoFrom(body, ctx);
  const contactMessage = { displayName, vcard, ...(contextInfo ? { contextInfo } : {}) };
  return { message: { contactMessage }, stanzaType: 'media', mediaType: 'vcard' };
}

function composeReaction(body: Body, ctx: ComposeContext): ComposedMessage {
  allowFields(body, 'reaction', ['type', 'messageId', 'emoji', 'fromMe', 'participant']);
  const id = requireMessageId(body, 'messageId');
  if (typeof body.emoji !== 'string' || [...body.emoji].length > 16) {
    throw badInput('"emoji" must be a string of at most 16 characters ("" removes the reaction)');
  }
  const fromMe = optionalBoolean(body, 'fromMe') ?? false;
  const participant = body.participant === undefined ? undefined : toUserJid(body.participant, 'participant');
  const key: proto.IMessageKey = { remoteJid: ctx.chatJid, fromMe, id };
  if (participant) key.participant = participant;
  const reactionMessage = { key, text: body.emoji, senderTimestampMs: Date.now() };
  return { message: { reactionMessage }, stanzaType: 'reaction' };
}

function composePoll(body: Body, ctx: ComposeContext): ComposedMessage {
  allowFields(body, 'poll', ['name', 'options', 'selectableCount', ...CONTEXT_FIELDS]);
  const name = requireText(body, 'name', 255);
  const options = body.options;
  if (!Array.isArray(options) || options.length < 2 || options.length > 12) {
    throw badInput('"options" must be an array of 2 to 12 option names');
  }
  const names = options.map((option, i) => {
    if (typeof option !== 'string' || option.trim() === '' || option.length > 100) {
      throw badInput(`options[${i}] must be a non-empty string of at most 100 characters`);
    }
    return option;
  });
  if (new Set(names).size !== names.length) {
    throw badInput('"options" must not repeat an option name');
  }
  const selectableCount = optionalInteger(body, 'selectableCount', 0, names.length) ?? 0;
  const contextInfo = contextInfoFrom(body, ctx);
  const poll: proto.Message.IPollCreationMessage = {
    name,
    options: names.map((optionName) => ({ optionName })),
    selectableOptionsCount: selectableCount,
    ...(contextInfo ? { contextInfo } : {}),
  };
  // As Baileys does: V3 for single-choice polls, the original message for multiple choice (0 = any number).
  const message: proto.IMessage =
    selectableCount === 1 ? { pollCreationMessageV3: poll } : { pollCreationMessage: poll };
  message.messageContextInfo = { messageSecret: randomBytes(32) };
  return { message, stanzaType: 'poll' };
}

function composeEdit(body: Body, ctx: ComposeContext): ComposedMessage {
  allowFields(body, 'edit', ['type', 'messageId', 'text']);
  const id = requireMessageId(body, 'messageId');
  const text = requireText(body, 'text');
  const protocolMessage: proto.Message.IProtocolMessage = {
    key: { remoteJid: ctx.chatJid, fromMe: true, id },
    type: proto.Message.ProtocolMessage.Type.MESSAGE_EDIT,
    editedMessage: { conversation: text },
    timestampMs: Date.now(),
  };
  return { message: { protocolMessage }, stanzaType: 'text', edit: '1' };
}

function composeRevoke(body: Body, ctx: ComposeContext): ComposedMessage {
  allowFields(body, 'revoke', ['type', 'messageId']);
  const id = requireMessageId(body, 'messageId');
  const protocolMessage: proto.Message.IProtocolMessage = {
    key: { remoteJid: ctx.chatJid, fromMe: true, id },
    type: proto.Message.ProtocolMessage.Type.REVOKE,
  };
  return { message: { protocolMessage }, stanzaType: 'text', edit: '7' };
}

/** Encrypts media as WhatsApp does: keys from HKDF(mediaKey), AES-256-CBC, then HMAC-SHA256(iv‖enc)[0..10). */
export async function encryptMedia(plain: Buffer, kind: MediaType): Promise<EncryptedMedia> {
  const mediaKey = randomBytes(32);
  const { iv, cipherKey, macKey } = await getMediaKeys(mediaKey, kind);
  if (!macKey) throw new Error('getMediaKeys returned no macKey');
  const cipher = createCipheriv('aes-256-cbc', cipherKey, iv);
  const enc = Buffer.concat([cipher.update(plain), cipher.final()]);
  const mac = createHmac('sha256', macKey).update(iv).update(enc).digest().subarray(0, 10);
  const file = Buffer.concat([enc, mac]);
  return { mediaKey, file, fileSha256: sha256(plain), fileEncSha256: sha256(file) };
}

const sha256 = (bytes: Buffer): Buffer => createHash('sha256').update(bytes).digest();

/** contextInfo for `replyTo` (+ `replyToSender`, `quotedText`) and `mentions`; undefined when none given. */
function contextInfoFrom(body: Body, ctx: ComposeContext): proto.IContextInfo | undefined {
  const info: proto.IContextInfo = {};
  if (body.replyTo !== undefined) {
    info.stanzaId = requireMessageId(body, 'replyTo');
    // In a 1:1 chat the message replied to is most naturally the recipient's; in a group it must be named.
    const sender =
      body.replyToSender === undefined ? undefined : toUserJid(body.replyToSender, 'replyToSender');
    const participant = sender ?? (isJidGroup(ctx.chatJid) ? undefined : ctx.chatJid);
    if (participant) info.participant = participant;
    const quoted = optionalText(body, 'quotedText', MAX_TEXT);
    if (quoted !== undefined) info.quotedMessage = { conversation: quoted };
  } else if (body.replyToSender !== undefined || body.quotedText !== undefined) {
    throw badInput('"replyToSender" and "quotedText" only make sense with "replyTo"');
  }
  if (body.mentions !== undefined) {
    if (!Array.isArray(body.mentions) || body.mentions.length === 0 || body.mentions.length > 1024) {
      throw badInput('"mentions" must be a non-empty array of phone numbers or user jids');
    }
    info.mentionedJid = body.mentions.map((m, i) => toUserJid(m, `mentions[${i}]`));
  }
  return Object.keys(info).length > 0 ? info : undefined;
}

/** A phone number (`+1 555 123-4567`) or user jid (`15551234567@s.whatsapp.net`, `…@lid`) as a jid. */
export function toUserJid(value: unknown, field: string): string {
  if (typeof value !== 'string') {
    throw badInput(`"${field}" must be a phone number or user jid string`);
  }
  const trimmed = value.trim();
  const jid = /^(\d{5,20})(?::\d{1,3})?@(s\.whatsapp\.net|c\.us|lid)$/.exec(trimmed);
  if (jid) {
    return `${jid[1]}@${jid[2] === 'lid' ? 'lid' : 's.whatsapp.net'}`;
  }
  const digits = trimmed.replace(/[\s().+-]/g, '');
  if (!trimmed.includes('@') && /^\d{5,20}$/.test(digits)) {
    return `${digits}@s.whatsapp.net`;
  }
  throw badInput(
    `"${field}" is ${show(value)}; expected a phone number or a jid like 15551234567@s.whatsapp.net`,
  );
}

function minimalVcard(displayName: string, digits: string): string {
  const name = displayName.replace(/[\\,;]/g, (c) => `\\${c}`).replace(/\r?\n/g, '\\n');
  return [
    'BEGIN:VCARD',
    'VERSION:3.0',
    `FN:${name}`,
    `TEL;type=CELL;type=VOICE;waid=${digits}:+${digits}`,
    'END:VCARD',
  ].join('\n');
}

function allowFields(body: Body, type: string, allowed: readonly string[]): void {
  for (const key of Object.keys(body)) {
    if (key !== 'type' && !allowed.includes(key)) {
      const names = allowed.filter((k) => k !== 'type').join(', ');
      throw badInput(`unknown field ${show(key)} for a ${type} message; allowed: ${names}`);
    }
  }
}

function decodeBase64(value: unknown, field: string): Buffer {
  if (typeof value !== 'string') {
    throw badInput(`"${field}" must be the media bytes as a base64 string`);
  }
  const compact = value.replace(/\s+/g, '');
  const standard = /^[A-Za-z0-9+/]*={0,2}$/.test(compact);
  const urlSafe = /^[A-Za-z0-9_-]*={0,2}$/.test(compact);
  const unpadded = compact.replace(/=+$/, '');
  const badPadding = compact.length !== unpadded.length && compact.length % 4 !== 0;
  if ((!standard && !urlSafe) || badPadding || unpadded.length % 4 === 1) {
    throw badInput(`"${field}" is not valid base64`);
  }
  const bytes = Buffer.from(unpadded, urlSafe ? 'base64url' : 'base64');
  if (bytes.length === 0) {
    throw badInput(`"${field}" must not be empty`);
  }
  return bytes;
}

function requireText(body: Body, field: string, max = MAX_TEXT): string {
  const value = body[field];
  if (typeof value !== 'string' || value.trim() === '') {
    throw badInput(`"${field}" must be a non-empty string`);
  }
  if (value.length > max) {
    throw badInput(`"${field}" is longer than ${max} characters`);
  }
  return value;
}

function optionalText(body: Body, field: string, max: number): string | undefined {
  return body[field] === undefined ? undefined : requireText(body, field, max);
}

function requireMessageId(body: Body, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(value)) {
    throw badInput(`"${field}" must be a message id (1 to 128 printable ASCII characters, no spaces)`);
  }
  return value;
}

function requireNumber(body: Body, field: string, min: number, max: number): number {
  const value = body[field];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw badInput(`"${field}" must be a number from ${min} to ${max}`);
  }
  return value;
}

function optionalInteger(body: Body, field: string, min: number, max: number): number | undefined {
  if (body[field] === undefined) return undefined;
  const value = requireNumber(body, field, min, max);
  if (!Number.isInteger(value)) {
    throw badInput(`"${field}" must be a whole number from ${min} to ${max}`);
  }
  return value;
}

function optionalBoolean(body: Body, field: string): boolean | undefined {
  const value = body[field];
  if (value !== undefined && typeof value !== 'boolean') {
    throw badInput(`"${field}" must be true or false`);
  }
  return value;
}

function show(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
