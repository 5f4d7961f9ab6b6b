import { expect, it } from 'vitest';
import type { ChatLastMessageRecord } from '../../../src/store/chat-repositories.ts';
import type { ContractContext } from './fixture.ts';
import { expectCode, unique } from './fixture.ts';

const jid = (n: number) => `1555000${String(n).padStart(4, '0')}@s.whatsapp.net`;
const last = (id: string, at: number, fromMe = false): ChatLastMessageRecord => ({
  waMessageId: id,
  fromMe,
  type: 'text',
  text: `text ${id}`,
  timestamp: new Date(at),
});

export function chatContract(ctx: () => ContractContext): void {
  it('creates chats from patches, changes only the given fields, and keeps the newest last message', async () => {
    const { chats } = ctx().store;
    const instanceId = unique('inst');
    await chats.upsertMany(instanceId, [
      { jid: jid(1), patch: { name: 'Ann', unreadCount: 2, lastMessage: last('A2', 2_000) } },
    ]);
    await chats.upsertMany(instanceId, [
      { jid: jid(1), patch: { archived: true, lastMessage: last('A1', 1_000), name: null } },
    ]);
    const chat = await chats.get(instanceId, jid(1));
    expect(chat).toMatchObject({
      jid: jid(1),
      name: 'Ann',
      unreadCount: 2,
      archived: true,
      pinned: false,
      mutedUntil: null,
      lastMessage: { waMessageId: 'A2', fromMe: false, type: 'text', text: 'text A2' },
    });
    expect(chat?.lastMessage?.timestamp.getTime()).toBe(2_000);
    await chats.upsertMany(instanceId, [
      { jid: jid(1), patch: { unreadIncrement: 1, lastMessage: last('A3', 3_000, true), mutedUntil: -1 } },
    ]);
    expect(await chats.get(instanceId, jid(1))).toMatchObject({
      unreadCount: 3,
      mutedUntil: -1,
      lastMessage: { waMessageId: 'A3', fromMe: true },
    });
    await chats.upsertMany(instanceId, [{ jid: jid(1), patch: { unreadCount: 0 } }]);
    await chats.upsertMany(instanceId, [{ jid: jid(1), patch: { markedUnread: true, pinned: true } }]);
    expect(await chats.get(instanceId, jid(1))).toMatchObject({ unreadCount: 1, pinned: true });
    expect(await chats.get(unique('other'), jid(1))).toBeUndefined();
  });

  it('creates a chat from its first message and applies several changes of one chat in order', async () => {
    const { chats } = ctx().store;
    const instanceId = unique('inst');
    await chats.upsertMany(instanceId, [
      { jid: jid(2), patch: { unreadIncrement: 1, lastMessage: last('B1', 1_000) } },
    ]);
    expect(await chats.get(instanceId, jid(2))).toMatchObject({
      unreadCount: 1,
      name: null,
      archived: false,
    });
    await chats.upsertMany(instanceId, [
      { jid: jid(2), patch: { unreadIncrement: 1, lastMessage: last('B2', 2_000) } },
      { jid: jid(2), patch: { name: 'Bea', unreadCount: 0 } },
      { jid: jid(3), patch: { markedUnread: true, archived: true } },
    ]);
    expect(await chats.get(instanceId, jid(2))).toMatchObject({
      name: 'Bea',
      unreadCount: 0,
      lastMessage: { waMessageId: 'B2' },
    });
    expect(await chats.get(instanceId, jid(3))).toMatchObject({
      unreadCount: 1,
      archived: true,
      lastMessage: null,
    });
  });

  it("applies the messages' chat changes of several instances at once, a chat changed twice included", async () => {
    const { chats } = ctx().store;
    const [a, b] = [unique('inst'), unique('inst')];
    await chats.upsertMany(a, [{ jid: jid(7), patch: { unreadCount: 4, lastMessage: last('S1', 5_000) } }]);
    const received = (id: string, at: number) => ({ unreadIncrement: 1, lastMessage: last(id, at) });
    await Promise.all([
      chats.upsertMany(a, [{ jid: jid(7), patch: received('S2', 6_000) }]),
      chats.upsertMany(a, [{ jid: jid(7), patch: received('S0', 4_000) }]),
      chats.upsertMany(b, [{ jid: jid(7), patch: received('T1', 1_000) }]),
      chats.upsertMany(b, [{ jid: jid(8), patch: { unreadCount: 0, lastMessage: last('U1', 2_000, true) } }]),
    ]);
    // both of a's messages count as unread; the older one does not replace the last message
    expect(await chats.get(a, jid(7))).toMatchObject({ unreadCount: 6, lastMessage: { waMessageId: 'S2' } });
    expect(await chats.get(b, jid(7))).toMatchObject({ unreadCount: 1, lastMessage: { waMessageId: 'T1' } });
    expect(await chats.get(b, jid(8))).toMatchObject({
      unreadCount: 0,
      lastMessage: { waMessageId: 'U1', fromMe: true, text: 'text U1' },
    });
    expect((await chats.get(b, jid(8)))?.lastMessage?.timestamp.getTime()).toBe(2_000);
  });

  it('lists chats newest first in pages, filters archived ones, and deletes', async () => {
    const { chats } = ctx().store;
    const instanceId = unique('inst');
    const changes = [1, 2, 3, 4, 5].map((n) => ({
      jid: jid(n),
      patch: { archived: n === 3, ...(n === 5 ? {} : { lastMessage: last(`M${n}`, n * 1_000) }) },
    }));
    await chats.upsertMany(instanceId, changes);
    await chats.upsertMany(unique('other'), [{ jid: jid(9), patch: {} }]);
    const first = await chats.list(instanceId, { limit: 2 });
    expect(first.items.map((c) => c.jid)).toEqual([jid(4), jid(3)]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await chats.list(instanceId, { limit: 2, cursor: first.nextCursor ?? '' });
    expect(second.items.map((c) => c.jid)).toEqual([jid(2), jid(1)]);
    const third = await chats.list(instanceId, { limit: 2, cursor: second.nextCursor ?? '' });
    expect(third).toEqual({
      items: [expect.objectContaining({ jid: jid(5), lastMessage: null })],
      nextCursor: null,
    });
    const archived = await chats.list(instanceId, { limit: 10, archived: true });
    expect(archived.items.map((c) => c.jid)).toEqual([jid(3)]);
    await expectCode(chats.list(instanceId, { limit: 2, cursor: 'nonsense' }), 'ZG_ERR_VALIDATION');
    expect(await chats.delete(instanceId, jid(4))).toBe(true);
    expect(await chats.delete(instanceId, jid(4))).toBe(false);
    expect(await chats.deleteByInstance(instanceId)).toBe(4);
    expect((await chats.list(instanceId, { limit: 10 })).items).toEqual([]);
  });
}

export function contactContract(ctx: () => ContractContext): void {
  it('merges what is known of a contact and finds it by jid, LID or phone', async () => {
    const { contacts } = ctx().store;
    const instanceId = unique('inst');
    await contacts.upsertMany(instanceId, [
      { jid: jid(1), patch: { phone: '15550000001', name: 'Ann' } },
      { jid: jid(2), patch: { phone: '15550000002', pushName: 'Ben' } },
    ]);
    await contacts.upsertMany(instanceId, [
      { jid: jid(1), patch: { lid: '900001@lid', pushName: 'Annie', name: null } },
    ]);
    const ann = await contacts.find(instanceId, '900001@lid');
    expect(ann).toMatchObject({
      jid: jid(1),
      phone: '15550000001',
      lid: '900001@lid',
      name: 'Ann',
      pushName: 'Annie',
    });
    expect(await contacts.find(instanceId, jid(2))).toMatchObject({ pushName: 'Ben', lid: null });
    expect(await contacts.find(unique('other'), jid(2))).toBeUndefined();
    const page = await contacts.list(instanceId, { limit: 1 });
    expect(page.items.map((c) => c.jid)).toEqual([jid(1)]);
    const rest = await contacts.list(instanceId, { limit: 1, cursor: page.nextCursor ?? '' });
    expect(rest).toEqual({ items: [expect.objectContaining({ jid: jid(2) })], nextCursor: null });
    expect(await contacts.deleteByInstance(instanceId)).toBe(2);
  });
}
