import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../events/event-bus.ts';
import type { ChatUpdateData, GatewayEvent } from '../events/event-map.ts';
import { EventPublisher } from '../events/event-publisher.ts';
import { createLogger } from '../observability/logger.ts';
import { openStore } from '../store/database.ts';
import type { Store } from '../store/repositories.ts';
import { ChatEvents, type ChatOwner } from './chat-events.ts';

let dir: string;
let store: Store;
let owner: ChatOwner;
const seen: GatewayEvent[] = [];
const logger = createLogger('silent');
const CHAT = '15550001234@s.whatsapp.net';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zg-chat-events-'));
  store = await openStore(`sqlite://${dir}/chats.db`);
  const instance = await store.instances.create({
    id: randomUUID(),
    tenantId: null,
    name: 'chats',
    desiredState: 'running',
    settings: {},
  });
  owner = { id: instance.id, name: instance.name, tenantId: null };
});
afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const updates = () => seen.filter((e) => e.event === 'chat.update').map((e) => e.data as ChatUpdateData);
const waitForUpdates = async (count: number): Promise<ChatUpdateData[]> => {
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; )
    if (updates().length >= count) return updates();
    else await new Promise((r) => setTimeout(r, 20));
  throw new Error(`${count} chat.update events did not come (got ${updates().length})`);
};
const receive = (n: number) =>
  store.chats.upsertMany(owner.id, [
    {
      jid: CHAT,
      patch: {
        unreadIncrement: 1,
        lastMessage: {
          waMessageId: `M${n}`,
          fromMe: false,
          type: 'text',
          text: `#${n}`,
          timestamp: new Date(n * 1000),
        },
      },
    },
  ]);

describe('chat.update events', () => {
  it('publishes the first change at once, a burst after it as one event with the latest state, an echo never', async () => {
    const bus = new EventBus();
    bus.subscribe((e) => seen.push(e));
    const chats = new ChatEvents(store, new EventPublisher(store, bus, logger, () => {}), logger, 300);
    await receive(1);
    chats.changed(owner, CHAT);
    const [first] = await waitForUpdates(1);
    expect(first).toMatchObject({ jid: CHAT, unreadCount: 1, deleted: false, lastMessage: { text: '#1' } });

    for (let n = 2; n <= 10; n += 1) await receive(n);
    // ten messages told one by one: however the window falls, the same state is published once
    for (let n = 2; n <= 10; n += 1) chats.changed(owner, CHAT);
    const [, burst] = await waitForUpdates(2);
    expect(burst).toMatchObject({ unreadCount: 10, lastMessage: { text: '#10' } });

    await store.chats.upsertMany(owner.id, [{ jid: CHAT, patch: { archived: true } }]);
    chats.changed(owner, CHAT);
    const all = await waitForUpdates(3);
    expect(all.map((u) => [u.unreadCount, u.archived])).toEqual([
      [1, false],
      [10, false],
      [10, true],
    ]);

    const before = await store.chats.get(owner.id, CHAT);
    await store.chats.delete(owner.id, CHAT);
    chats.deleted(owner, CHAT, before);
    const [, , , gone] = await waitForUpdates(4);
    expect(gone).toMatchObject({ jid: CHAT, archived: true, deleted: true });
    // each event is a stored row too (replay, webhooks)
    const stored = await store.events.listAfter(0, { instanceIds: [owner.id], limit: 10 });
    expect(stored.map((e) => e.event)).toEqual(Array(4).fill('chat.update'));
    chats.stop();
  });
});
