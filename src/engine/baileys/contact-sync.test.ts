import { EventEmitter } from 'node:events';
import type { BaileysEventMap, WAMessage } from 'baileys';
import { describe, expect, it } from 'vitest';
import type { AccountSync } from '../account-ops.ts';
import { chatUpdateOf, contactUpdateOf, lastMessageOf, watchAccountSync } from './contact-sync.ts';

const text = (id: string, seconds: number, fromMe = false): WAMessage => ({
  key: { remoteJid: '15550002222@s.whatsapp.net', fromMe, id },
  message: { conversation: `text ${id}` },
  messageTimestamp: seconds,
});

describe('chat and contact sync', () => {
  it('keeps only the fields WhatsApp sent, and reads mute ends in seconds, milliseconds or for ever', () => {
    expect(chatUpdateOf({ id: '15550002222:3@s.whatsapp.net', archived: true })).toEqual({
      jid: '15550002222@s.whatsapp.net',
      archived: true,
    });
    expect(chatUpdateOf({ id: 'a@s.whatsapp.net', muteEndTime: 1_900_000_000 })?.mutedUntil).toBe(
      1_900_000_000_000,
    );
    expect(chatUpdateOf({ id: 'a@s.whatsapp.net', muteEndTime: 1_900_000_000_000 })?.mutedUntil).toBe(
      1_900_000_000_000,
    );
    expect(chatUpdateOf({ id: 'a@s.whatsapp.net', muteEndTime: -1 })?.mutedUntil).toBe(-1);
    expect(chatUpdateOf({ id: 'a@s.whatsapp.net', muteEndTime: null })?.mutedUntil).toBeNull();
    expect(chatUpdateOf({ id: 'a@s.whatsapp.net', pinned: 1_800_000_000 })?.pinned).toBe(true);
    expect(chatUpdateOf({})).toBeUndefined();
  });

  it('gives a contact its phone and LID from either address form', () => {
    expect(
      contactUpdateOf({ id: '9001@lid', phoneNumber: '15550002222@s.whatsapp.net', notify: 'Ann' }),
    ).toEqual({
      jid: '9001@lid',
      phone: '15550002222',
      lid: '9001@lid',
      pushName: 'Ann',
    });
    expect(contactUpdateOf({ id: '15550002222@s.whatsapp.net', lid: '9001@lid', name: 'Ann B' })).toEqual({
      jid: '15550002222@s.whatsapp.net',
      phone: '15550002222',
      lid: '9001@lid',
      name: 'Ann B',
    });
  });

  it('gives each history chat its newest message as the last one, and passes live changes on', () => {
    const ev = new EventEmitter();
    const seen: AccountSync[] = [];
    watchAccountSync({ on: (event, listener) => void ev.on(event, listener as (d: unknown) => void) }, (s) =>
      seen.push(s),
    );
    const history: Partial<BaileysEventMap['messaging-history.set']> = {
      chats: [{ id: '15550002222@s.whatsapp.net', name: 'Ann', unreadCount: 1 }],
      contacts: [],
      messages: [text('B', 200, true), text('C', 300), text('A', 100)],
    };
    ev.emit('messaging-history.set', history);
    ev.emit('chats.delete', ['15550002222@s.whatsapp.net']);
    ev.emit('contacts.update', []);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatchObject({
      source: 'history',
      chats: [
        {
          name: 'Ann',
          unreadCount: 1,
          lastMessage: { waMessageId: 'C', text: 'text C', timestamp: 300_000 },
        },
      ],
    });
    expect(seen[1]).toEqual({
      source: 'live',
      chats: [],
      contacts: [],
      deletedChats: ['15550002222@s.whatsapp.net'],
    });
    expect(lastMessageOf({ key: { id: 'X' }, messageTimestamp: 0 })).toBeUndefined();
  });
});
