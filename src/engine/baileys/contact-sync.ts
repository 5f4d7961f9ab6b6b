import { type BaileysEventMap, type Chat, type Contact, jidNormalizedUser, type WAMessage } from 'baileys';
import type { AccountSync, ChatLastMessage, ChatUpdate, ContactUpdate } from '../account-ops.ts';
import { mapInbound } from './inbound-mapper.ts';

type Ev = {
  on<K extends keyof BaileysEventMap>(event: K, listener: (data: BaileysEventMap[K]) => void): void;
};

const toNumber = (v: unknown): number | undefined => {
  if (v === null || v === undefined) return undefined;
  const n = typeof v === 'object' && 'toNumber' in v ? (v as { toNumber(): number }).toNumber() : Number(v);
  return Number.isFinite(n) ? n : undefined;
};

const isPhoneJid = (jid: string) => jid.endsWith('@s.whatsapp.net');
const isLidJid = (jid: string) => jid.endsWith('@lid');
const userOf = (jid: string) => jid.split('@')[0]?.split(':')[0] ?? '';

/** A message as a chat's "last message": who, when, what kind, and its text when it has one. */
export function lastMessageOf(m: WAMessage): ChatLastMessage | undefined {
  const id = m.key.id;
  const seconds = toNumber(m.messageTimestamp);
  if (!id || !seconds) return undefined;
  const mapped = mapInbound(m);
  const content = mapped?.kind === 'message' ? (mapped.content as { text?: unknown; caption?: unknown }) : {};
  const text =
    typeof content.text === 'string'
      ? content.text
      : typeof content.caption === 'string'
        ? content.caption
        : null;
  return {
    waMessageId: id,
    fromMe: Boolean(m.key.fromMe),
    timestamp: seconds * 1000,
    type: mapped?.kind === 'message' ? mapped.type : 'unknown',
    text,
  };
}

/** A chat's fields that WhatsApp sent (absent ones are left out, so they do not overwrite). */
export function chatUpdateOf(chat: Partial<Chat>): ChatUpdate | undefined {
  if (!chat.id) return undefined;
  const update: ChatUpdate = { jid: jidNormalizedUser(chat.id) };
  if (chat.name !== undefined) update.name = chat.name ?? null;
  if (typeof chat.unreadCount === 'number') update.unreadCount = chat.unreadCount;
  if (chat.archived !== undefined && chat.archived !== null) update.archived = chat.archived;
  if (chat.pinned !== undefined) update.pinned = Boolean(chat.pinned);
  if (chat.muteEndTime !== undefined) {
    const end = toNumber(chat.muteEndTime);
    // seconds or milliseconds, as WhatsApp sends either; -1: for ever
    update.mutedUntil = end === undefined || end === 0 ? null : end < 0 ? -1 : end < 1e12 ? end * 1000 : end;
  }
  return update;
}

export function contactUpdateOf(c: Partial<Contact>): ContactUpdate | undefined {
  if (!c.id) return undefined;
  const jid = jidNormalizedUser(c.id);
  const update: ContactUpdate = { jid };
  const pn = isPhoneJid(jid) ? jid : c.phoneNumber;
  const lid = isLidJid(jid) ? jid : c.lid;
  if (pn) update.phone = userOf(pn);
  if (lid) update.lid = jidNormalizedUser(lid);
  if (c.name !== undefined) update.name = c.name ?? null;
  if (c.notify !== undefined) update.pushName = c.notify ?? null;
  return update;
}

/** The newest message of each chat in a batch of history. */
function newestByChat(messages: WAMessage[]): Map<string, ChatLastMessage> {
  const newest = new Map<string, ChatLastMessage>();
  for (const m of messages) {
    const jid = m.key.remoteJid ? jidNormalizedUser(m.key.remoteJid) : undefined;
    const last = lastMessageOf(m);
    if (!jid || !last) continue;
    const seen = newest.get(jid);
    if (!seen || seen.timestamp <= last.timestamp) newest.set(jid, last);
  }
  return newest;
}

const defined = <T>(list: Array<T | undefined>): T[] => list.filter((x): x is T => x !== undefined);

/** Turns Baileys' history sets and chat/contact events into the engine's `account` batches. */
export function watchAccountSync(ev: Ev, emit: (sync: AccountSync) => void): void {
  const live = (chats: ChatUpdate[], contacts: ContactUpdate[], deletedChats: string[] = []) => {
    if (chats.length || contacts.length || deletedChats.length)
      emit({ source: 'live', chats, contacts, deletedChats });
  };
  ev.on('messaging-history.set', ({ chats, contacts, messages }) => {
    const newest = newestByChat(messages);
    const updates = defined(chats.map(chatUpdateOf)).map((c) => {
      const lastMessage = newest.get(c.jid);
      return lastMessage ? { ...c, lastMessage } : c;
    });
    emit({
      source: 'history',
      chats: updates,
      contacts: defined(contacts.map(contactUpdateOf)),
      deletedChats: [],
    });
  });
  ev.on('chats.upsert', (chats) => live(defined(chats.map(chatUpdateOf)), []));
  ev.on('chats.update', (chats) => live(defined(chats.map(chatUpdateOf)), []));
  ev.on('chats.delete', (jids) =>
    live(
      [],
      [],
      jids.map((j) => jidNormalizedUser(j)),
    ),
  );
  ev.on('contacts.upsert', (contacts) => live([], defined(contacts.map(contactUpdateOf))));
  ev.on('contacts.update', (contacts) => live([], defined(contacts.map(contactUpdateOf))));
}
