import { createDecipheriv, createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { getMediaKeys, type MediaType, proto, toNumber } from 'baileys';
import type { MediaHost } from '../media/media-host.ts';

/** A received message as plain JSON for the admin API. */
export interface DescribedMessage {
  type: string;
  content: Record<string, unknown>;
}

type Content = Record<string, unknown>;
type MediaKind = 'image' | 'video' | 'audio' | 'document' | 'sticker';

/** The fields every media message shares (image, video, audio, document, sticker). */
interface MediaFields {
  url?: string | null;
  directPath?: string | null;
  mediaKey?: Uint8Array | null;
  fileSha256?: Uint8Array | null;
  fileEncSha256?: Uint8Array | null;
  fileLength?: proto.Message.IImageMessage['fileLength'];
  mimetype?: string | null;
  caption?: string | null;
  fileName?: string | null;
  ptt?: boolean | null;
  seconds?: number | null;
  contextInfo?: proto.IContextInfo | null;
}

/** Result of fetching and decrypting a media blob: the bytes, or why there are none. */
export type DecryptedMedia = { data: Buffer } | { data: null; error: string };

const MAC_LENGTH = 10;
/** Keys that never make up a message's content on their own. */
const ANCILLARY_KEYS = new Set(['senderKeyDistributionMessage', 'messageContextInfo']);

/**
 * Describes a decrypted message a Baileys client sent as plain JSON: unwraps containers (device-sent,
 * ephemeral, view-once, …), then reports the content by type. Media is fetched from the media host and
 * decrypted; if that fails the description carries `data: null` and an `error` instead of throwing.
 */
export async function describeMessage(message: proto.IMessage, media: MediaHost): Promise<DescribedMessage> {
  const { inner, viewOnce } = unwrap(message);
  const described = (await describeMedia(inner, media)) ?? describeOther(inner);
  if (viewOnce) described.content.viewOnce = true;
  return described;
}

/** Strips the wrappers WhatsApp puts around content; stops after a few levels to survive loops. */
function unwrap(message: proto.IMessage): { inner: proto.IMessage; viewOnce: boolean } {
  let inner = message;
  let viewOnce = false;
  for (let depth = 0; depth < 10; depth++) {
    const m = inner;
    if (m.viewOnceMessage || m.viewOnceMessageV2 || m.viewOnceMessageV2Extension) viewOnce = true;
    const next =
      m.deviceSentMessage?.message ??
      m.ephemeralMessage?.message ??
      m.viewOnceMessage?.message ??
      m.viewOnceMessageV2?.message ??
      m.viewOnceMessageV2Extension?.message ??
      m.documentWithCaptionMessage?.message ??
      m.editedMessage?.message ??
      m.associatedChildMessage?.message ??
      m.groupMentionedMessage?.message ??
      m.botInvokeMessage?.message ??
      m.lottieStickerMessage?.message ??
      m.pollCreationMessageV4?.message ??
      m.groupStatusMessage?.message ??
      m.groupStatusMessageV2?.message;
    if (!next) break;
    inner = next;
  }
  return { inner, viewOnce };
}

async function describeMedia(m: proto.IMessage, media: MediaHost): Promise<DescribedMessage | undefined> {
  const found: [MediaKind, MediaFields | null | undefined][] = [
    ['image', m.imageMessage],
    ['video', m.videoMessage ?? m.ptvMessage],
    ['audio', m.audioMessage],
    ['document', m.documentMessage],
    ['sticker', m.stickerMessage],
  ];
  const hit = found.find(([, fields]) => fields);
  if (!hit?.[1]) return undefined;
  const [kind, fields] = hit;
  const content: Content = { mimetype: fields.mimetype ?? null };
  if (fields.caption) content.caption = fields.caption;
  if (fields.fileName) content.fileName = fields.fileName;
  if (kind === 'audio') content.ptt = fields.ptt ?? false;
  if (m.ptvMessage && !m.videoMessage) content.ptv = true;
  if (fields.seconds) content.seconds = fields.seconds;
  content.fileLength =
    fields.fileLength === null || fields.fileLength === undefined ? null : toNumber(fields.fileLength);
  content.sha256 = fields.fileSha256 ? Buffer.from(fields.fileSha256).toString('hex') : null;
  const decrypted = await fetchMedia(fields, kind, media);
  content.data = decrypted.data ? decrypted.data.toString('base64') : null;
  if (!decrypted.data) content.error = decrypted.error;
  Object.assign(content, contextOf(fields.contextInfo));
  return { type: kind, content };
}

/** Fetches a media message's blob from the media host, checks it and decrypts it. */
export async function fetchMedia(
  fields: MediaFields,
  kind: MediaType,
  media: MediaHost,
): Promise<DecryptedMedia> {
  const path = fields.directPath || fields.url;
  if (!path) return { data: null, error: 'the message has neither directPath nor url' };
  if (!fields.mediaKey?.length) return { data: null, error: 'the message has no mediaKey' };
  const blob = media.get(path);
  if (!blob) return { data: null, error: `no media stored at ${path}` };
  if (fields.fileEncSha256?.length && !sameBytes(sha256(blob), fields.fileEncSha256)) {
    return { data: null, error: 'the stored media does not match fileEncSha256' };
  }
  const plain = await decryptMedia(blob, fields.mediaKey, kind);
  if (!plain.data) return plain;
  if (fields.fileSha256?.length && !sameBytes(sha256(plain.data), fields.fileSha256)) {
    return { data: null, error: 'the decrypted media does not match fileSha256' };
  }
  return plain;
}

/** Verifies the 10-byte MAC of an encrypted blob (enc‖mac) and decrypts it. */
export async function decryptMedia(
  blob: Buffer,
  mediaKey: Uint8Array,
  kind: MediaType,
): Promise<DecryptedMedia> {
  if (blob.length < 16 + MAC_LENGTH || (blob.length - MAC_LENGTH) % 16 !== 0) {
    return { data: null, error: `the stored media has an impossible length (${blob.length} bytes)` };
  }
  const { iv, cipherKey, macKey } = await getMediaKeys(mediaKey, kind);
  if (!macKey) return { data: null, error: 'no mac key could be derived' };
  const enc = blob.subarray(0, blob.length - MAC_LENGTH);
  const mac = createHmac('sha256', macKey).update(iv).update(enc).digest().subarray(0, MAC_LENGTH);
  if (!timingSafeEqual(mac, blob.subarray(blob.length - MAC_LENGTH))) {
    return { data: null, error: 'media MAC mismatch (wrong mediaKey or corrupted media)' };
  }
  try {
    const decipher = createDecipheriv('aes-256-cbc', cipherKey, iv);
    return { data: Buffer.concat([decipher.update(enc), decipher.final()]) };
  } catch {
    return { data: null, error: 'media decryption failed (bad padding)' };
  }
}

function describeOther(m: proto.IMessage): DescribedMessage {
  if (typeof m.conversation === 'string') {
    return { type: 'text', content: { text: m.conversation } };
  }
  if (m.extendedTextMessage) {
    const { text, contextInfo } = m.extendedTextMessage;
    const preview = linkPreviewOf(m.extendedTextMessage);
    return {
      type: 'text',
      content: { text: text ?? '', ...(preview ? { linkPreview: preview } : {}), ...contextOf(contextInfo) },
    };
  }
  const location = m.locationMessage ?? m.liveLocationMessage;
  if (location) {
    return { type: 'location', content: describeLocation(location, !m.locationMessage) };
  }
  if (m.contactMessage) {
    return { type: 'contact', content: describeContact(m.contactMessage) };
  }
  if (m.contactsArrayMessage) {
    const { displayName, contacts } = m.contactsArrayMessage;
    const list = (contacts ?? []).map(describeContact);
    return { type: 'contacts', content: { displayName: displayName ?? null, contacts: list } };
  }
  return describeEvent(m);
}

function describeEvent(m: proto.IMessage): DescribedMessage {
  if (m.reactionMessage) {
    const { key, text } = m.reactionMessage;
    return {
      type: 'reaction',
      content: { messageId: key?.id ?? null, emoji: text ?? '', fromMe: !!key?.fromMe },
    };
  }
  const poll =
    m.pollCreationMessage ?? m.pollCreationMessageV2 ?? m.pollCreationMessageV3 ?? m.pollCreationMessageV5;
  if (poll) {
    const options = (poll.options ?? []).map((o) => o.optionName ?? '');
    const content = { name: poll.name ?? '', options, selectableCount: poll.selectableOptionsCount ?? 0 };
    return { type: 'poll', content: { ...content, ...contextOf(poll.contextInfo) } };
  }
  if (m.pollUpdateMessage) {
    return {
      type: 'poll-vote',
      content: { pollMessageId: m.pollUpdateMessage.pollCreationMessageKey?.id ?? null },
    };
  }
  if (m.protocolMessage) {
    return describeProtocol(m.protocolMessage);
  }
  const keys = Object.keys(m).filter((k) => present(m[k as keyof proto.IMessage]));
  if (m.senderKeyDistributionMessage && keys.every((k) => ANCILLARY_KEYS.has(k))) {
    return {
      type: 'sender-key-distribution',
      content: { groupId: m.senderKeyDistributionMessage.groupId ?? null },
    };
  }
  return { type: 'unknown', content: { keys } };
}

function describeProtocol(p: proto.Message.IProtocolMessage): DescribedMessage {
  const Type = proto.Message.ProtocolMessage.Type;
  const messageId = p.key?.id ?? null;
  if (p.type === Type.MESSAGE_EDIT) {
    return { type: 'edit', content: { messageId, text: editedText(p.editedMessage) } };
  }
  if (p.type === Type.REVOKE) {
    return { type: 'revoke', content: { messageId } };
  }
  const protocolType = p.type === null || p.type === undefined ? null : (Type[p.type] ?? p.type);
  return { type: 'protocol', content: { protocolType } };
}

/** The new text of an edit: WhatsApp sends `conversation`, Baileys `extendedTextMessage`, captions in media. */
function editedText(edited: proto.IMessage | null | undefined): string | null {
  if (!edited) return null;
  const m = unwrap(edited).inner;
  return (
    m.conversation ??
    m.extendedTextMessage?.text ??
    m.imageMessage?.caption ??
    m.videoMessage?.caption ??
    m.documentMessage?.caption ??
    null
  );
}

function describeLocation(
  l: proto.Message.ILocationMessage | proto.Message.ILiveLocationMessage,
  live: boolean,
) {
  const content: Content = { latitude: l.degreesLatitude ?? null, longitude: l.degreesLongitude ?? null };
  if ('name' in l && l.name) content.name = l.name;
  if ('address' in l && l.address) content.address = l.address;
  if (live) content.live = true;
  return { ...content, ...contextOf(l.contextInfo) };
}

function describeContact(c: proto.Message.IContactMessage): Content {
  return { displayName: c.displayName ?? null, vcard: c.vcard ?? null, ...contextOf(c.contextInfo) };
}

/** The link card of a text (what WhatsApp shows under it), when it has one. */
function linkPreviewOf(t: proto.Message.IExtendedTextMessage): Content | undefined {
  if (!t.matchedText && !t.title) return undefined;
  const card: Content = { matchedText: t.matchedText ?? null, title: t.title ?? null };
  if (t.description) card.description = t.description;
  if (t.jpegThumbnail?.length) card.jpegThumbnail = Buffer.from(t.jpegThumbnail).toString('base64');
  return card;
}

/** `replyTo`, `mentions` and forwarding from a contextInfo, only when present. */
function contextOf(info: proto.IContextInfo | null | undefined): Content {
  const out: Content = {};
  if (info?.stanzaId) out.replyTo = info.stanzaId;
  if (info?.mentionedJid?.length) out.mentions = [...info.mentionedJid];
  if (info?.isForwarded) {
    out.forwarded = true;
    out.forwardingScore = info.forwardingScore ?? 0;
  }
  return out;
}

const present = (value: unknown): boolean => value !== null && value !== undefined;
const sha256 = (bytes: Uint8Array): Buffer => createHash('sha256').update(bytes).digest();
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && timingSafeEqual(a, b);
