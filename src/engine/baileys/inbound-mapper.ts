import { normalizeMessageContent, proto, type WAMessage } from 'baileys';
import type { MessageContent, MessageType } from '../../domain/message.ts';
import type { InboundEvent } from '../engine.ts';

type Content = proto.IMessage;
const PN = '@s.whatsapp.net';
const user = (jid: string | null | undefined) => jid?.split('@')[0]?.split(':')[0] ?? '';
const asPn = (...jids: Array<string | null | undefined>) => jids.find((j) => j?.endsWith(PN)) ?? null;
const asLid = (...jids: Array<string | null | undefined>) => jids.find((j) => j?.endsWith('@lid')) ?? null;
const bare = (jid: string) => `${user(jid)}@${jid.split('@')[1] ?? ''}`;

function context(info: proto.IContextInfo | null | undefined): MessageContent {
  return {
    ...(info?.stanzaId ? { replyTo: info.stanzaId } : {}),
    ...(info?.mentionedJid?.length ? { mentions: info.mentionedJid } : {}),
    ...(info?.isForwarded ? { forwardingScore: info.forwardingScore || 1 } : {}),
  };
}

type Mapped = { type: MessageType; content: MessageContent };

function media(m: Content): Mapped | undefined {
  const pairs: Array<
    [
      MessageType,
      (
        | proto.Message.IImageMessage
        | proto.Message.IVideoMessage
        | proto.Message.IAudioMessage
        | proto.Message.IDocumentMessage
        | proto.Message.IStickerMessage
        | null
        | undefined
      ),
    ]
  > = [
    ['image', m.imageMessage],
    ['video', m.videoMessage],
    ['audio', m.audioMessage],
    ['document', m.documentMessage],
    ['sticker', m.stickerMessage],
  ];
  const hit = pairs.find(([, v]) => v);
  if (!hit?.[1]) return undefined;
  const [type, v] = hit;
  const any = v as proto.Message.IImageMessage & proto.Message.IDocumentMessage & proto.Message.IAudioMessage;
  return {
    type,
    content: {
      ...(any.caption ? { caption: any.caption } : {}),
      ...(any.mimetype ? { mimetype: any.mimetype } : {}),
      ...(any.fileName ? { fileName: any.fileName } : {}),
      ...(any.ptt ? { voice: true } : {}),
      ...(any.fileLength ? { size: Number(any.fileLength) } : {}),
      ...context(any.contextInfo),
    },
  };
}

/** The gateway's view of a message's content; undefined for what it does not represent. */
export function mapContent(m: Content): Mapped | undefined {
  if (m.conversation) return { type: 'text', content: { text: m.conversation } };
  if (m.extendedTextMessage)
    return {
      type: 'text',
      content: { text: m.extendedTextMessage.text ?? '', ...context(m.extendedTextMessage.contextInfo) },
    };
  const found = media(m);
  if (found) return found;
  const loc = m.locationMessage ?? m.liveLocationMessage;
  if (loc) {
    const l = loc as proto.Message.ILocationMessage;
    return {
      type: 'location',
      content: {
        latitude: l.degreesLatitude ?? 0,
        longitude: l.degreesLongitude ?? 0,
        ...(l.name ? { name: l.name } : {}),
        ...(l.address ? { address: l.address } : {}),
      },
    };
  }
  if (m.contactMessage)
    return {
      type: 'contact',
      content: { displayName: m.contactMessage.displayName ?? '', vcard: m.contactMessage.vcard ?? '' },
    };
  if (m.reactionMessage)
    return {
      type: 'reaction',
      content: { messageId: m.reactionMessage.key?.id ?? '', emoji: m.reactionMessage.text ?? '' },
    };
  const poll = m.pollCreationMessageV3 ?? m.pollCreationMessage ?? m.pollCreationMessageV2;
  if (poll) {
    return {
      type: 'poll',
      content: {
        name: poll.name ?? '',
        options: (poll.options ?? []).map((o) => o.optionName ?? ''),
        selectableCount: poll.selectableOptionsCount ?? 0,
      },
    };
  }
  return undefined;
}

/** Who sent it and in which chat, with the phone number beside a LID whenever Baileys knows it. */
function addressing(msg: WAMessage) {
  const key = msg.key;
  const remote = key.remoteJid ?? '';
  const group = remote.endsWith('@g.us');
  const chatJid = group ? remote : bare(asPn(remote, key.remoteJidAlt) ?? remote);
  const senderJids = group ? [key.participant, key.participantAlt] : [remote, key.remoteJidAlt];
  const pn = asPn(...senderJids);
  const lid = asLid(...senderJids);
  const sender = {
    jid: bare(senderJids.find(Boolean) ?? remote),
    phone: pn ? user(pn) : null,
    lid: lid ? bare(lid) : null,
    pushName: msg.pushName ?? null,
  };
  return { chatJid, sender };
}

/** One Baileys message as the gateway event it is; undefined for protocol noise (key shares, syncs). */
export function mapInbound(msg: WAMessage): InboundEvent | undefined {
  const content = normalizeMessageContent(msg.message);
  if (!content || !msg.key.id) return undefined;
  const { chatJid, sender } = addressing(msg);
  const base = {
    waMessageId: msg.key.id,
    chatJid,
    fromMe: Boolean(msg.key.fromMe),
    sender,
    timestamp: new Date(Number(msg.messageTimestamp ?? 0) * 1000 || Date.now()),
  };
  const protocol = content.protocolMessage;
  if (protocol) {
    const target = protocol.key?.id ?? '';
    if (protocol.type === proto.Message.ProtocolMessage.Type.REVOKE)
      return { kind: 'revoked', ...base, targetId: target };
    if (protocol.type === proto.Message.ProtocolMessage.Type.MESSAGE_EDIT) {
      const edited = protocol.editedMessage
        ? mapContent(normalizeMessageContent(protocol.editedMessage) ?? {})
        : undefined;
      return { kind: 'edited', ...base, targetId: target, content: edited?.content ?? {} };
    }
    return undefined;
  }
  const mapped = mapContent(content);
  if (!mapped) return undefined;
  const m = msg.message;
  const viewOnce = Boolean(m?.viewOnceMessage || m?.viewOnceMessageV2 || m?.viewOnceMessageV2Extension);
  const mappedContent = viewOnce ? { ...mapped.content, viewOnce: true } : mapped.content;
  return { kind: 'message', ...base, type: mapped.type, content: mappedContent };
}
