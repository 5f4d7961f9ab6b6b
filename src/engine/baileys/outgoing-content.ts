import type { AnyMessageContent, WAMessage, WAUrlInfo } from 'baileys';
import type { OutgoingMessage } from '../engine.ts';
import { SendError } from '../engine.ts';

const invalid = (message: string) => new SendError('ZG_ERR_INVALID_CONTENT', message, false);

function media(m: OutgoingMessage): Buffer {
  if (!m.media) throw invalid(`${m.type} message without media`);
  return m.media;
}

/**
 * The gateway's message as Baileys content. Pure: no I/O, no socket. `urlInfo` is the text's link
 * card, made ready before; a text without one says so (null), so Baileys fetches no preview itself.
 */
export function toBaileysContent(m: OutgoingMessage, urlInfo?: WAUrlInfo): AnyMessageContent {
  const content = contentOf(m, urlInfo ?? null);
  const c = m.content;
  // view-once wraps the media as WhatsApp does (Baileys puts it in viewOnceMessage)
  const viewOnce = c.viewOnce && (m.type === 'image' || m.type === 'video' || m.type === 'audio');
  // forwarded always shows, as Baileys' forceForward does: the caller asked to forward it
  const forwarded = c.forwardingScore
    ? { contextInfo: { isForwarded: true, forwardingScore: c.forwardingScore } }
    : {};
  return { ...content, ...(viewOnce ? { viewOnce: true } : {}), ...forwarded } as AnyMessageContent;
}

function contentOf(m: OutgoingMessage, urlInfo: WAUrlInfo | null): AnyMessageContent {
  const c = m.content;
  const mentions = c.mentions?.length ? { mentions: c.mentions } : {};
  switch (m.type) {
    case 'text':
      return { text: c.text ?? '', linkPreview: urlInfo, ...mentions };
    case 'image':
      return { image: media(m), caption: c.caption, mimetype: c.mimetype, ...mentions };
    case 'video':
      return { video: media(m), caption: c.caption, mimetype: c.mimetype, ...mentions };
    case 'audio':
      return {
        audio: media(m),
        ptt: c.voice ?? false,
        mimetype: c.mimetype ?? (c.voice ? 'audio/ogg; codecs=opus' : 'audio/mpeg'),
      };
    case 'document':
      return {
        document: media(m),
        fileName: c.fileName ?? 'file',
        mimetype: c.mimetype ?? 'application/octet-stream',
        caption: c.caption,
        ...mentions,
      };
    case 'sticker':
      return { sticker: media(m), mimetype: c.mimetype ?? 'image/webp' };
    case 'location':
      return {
        location: {
          degreesLatitude: c.latitude ?? 0,
          degreesLongitude: c.longitude ?? 0,
          name: c.name,
          address: c.address,
        },
      };
    case 'contact':
      return {
        contacts: {
          displayName: c.displayName,
          contacts: [{ displayName: c.displayName, vcard: c.vcard ?? '' }],
        },
      };
    case 'reaction':
      return {
        react: {
          text: c.emoji ?? '',
          key: {
            remoteJid: m.chatJid,
            id: c.messageId ?? '',
            fromMe: m.quoted?.fromMe ?? false,
            ...(m.quoted?.participant ? { participant: m.quoted.participant } : {}),
          },
        },
      };
    case 'poll':
      return {
        poll: { name: c.name ?? '', values: c.options ?? [], selectableCount: c.selectableCount ?? 1 },
      };
    default:
      throw invalid(`cannot send messages of type ${String(m.type)}`);
  }
}

/** The message being replied to, in the shape Baileys quotes from. */
export function quotedMessage(m: OutgoingMessage): WAMessage | undefined {
  if (!m.quoted || m.type === 'reaction') return undefined;
  return {
    key: {
      remoteJid: m.chatJid,
      fromMe: m.quoted.fromMe,
      id: m.quoted.waMessageId,
      ...(m.quoted.participant ? { participant: m.quoted.participant } : {}),
    },
    message: { conversation: m.quoted.text ?? '' },
  };
}
