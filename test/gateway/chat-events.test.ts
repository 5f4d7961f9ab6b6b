import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../sim/simulator.ts';
import { type EventReceiver, startEventReceiver } from '../support/event-receiver.ts';
import { type ApiClient, eventually, SseReader } from '../support/http-client.ts';
import { type LinkedGateway, startLinkedGateway } from '../support/linked-gateway.ts';

type Chat = {
  jid: string;
  name: string | null;
  unreadCount: number;
  archived: boolean;
  pinned: boolean;
  muted: boolean;
  mutedUntil: string | null;
  lastMessage: {
    waMessageId: string;
    fromMe: boolean;
    type: string;
    text: string | null;
    timestamp: string;
  } | null;
  updatedAt: string;
};
type ChatUpdate = Chat & { deleted: boolean };

let linked: LinkedGateway | undefined;
let sim: RunningSimulator;
let api: ApiClient;
let phone: string;
let receiver: EventReceiver;
let sse: SseReader;
const base = '/api/v1/instances/desk';
const jid = (p: string) => `${p}@s.whatsapp.net`;

/** The chat.update events of one chat the webhook receiver got, in order. */
const hooked = (chatJid: string) =>
  receiver.events
    .filter((e) => e.event === 'chat.update')
    .map((e) => e.data as unknown as ChatUpdate)
    .filter((c) => c.jid === chatJid);
const streamed = (chatJid: string) =>
  sse.events
    .filter((e) => e.event === 'chat.update')
    .map((e) => e.data.data as ChatUpdate)
    .filter((c) => c.jid === chatJid);
const hookedUpdate = (chatJid: string, match: (c: ChatUpdate) => boolean, what: string) =>
  eventually(what, () => hooked(chatJid).find(match));
const listed = async (chatJid: string) =>
  (await api.get<{ items: Chat[] }>(`${base}/chats`)).body.items.find((c) => c.jid === chatJid);

beforeAll(async () => {
  receiver = await startEventReceiver();
  linked = await startLinkedGateway({
    name: 'desk',
    env: { WEBHOOK_ALLOW_PRIVATE: '1' },
    beforeLink: async (client) => {
      const hook = await client.post('/api/v1/webhooks', { url: receiver.url, events: ['chat.update'] });
      if (hook.status !== 201) throw new Error(`the webhook answered ${hook.status}`);
    },
  });
  ({ sim, api, phone } = linked);
  sse = new SseReader(`${api.baseUrl}${base}/events`, api.key ?? '');
  await eventually('the event stream', () => sse.opened);
});
afterAll(async () => {
  sse?.close();
  await linked?.close();
  await receiver?.close();
});

describe('chat.update events', () => {
  it('follows an inbound message with the chat’s new state, as GET /chats lists it', async () => {
    const ivy = sim.api.createContact({ name: 'Ivy' });
    const sent = await sim.api.contactSend(ivy.phone, {
      to: phone,
      type: 'text',
      text: 'are you open today?',
    });
    const update = await hookedUpdate(
      jid(ivy.phone),
      (c) => c.lastMessage?.waMessageId === sent.id,
      'the chat.update of the inbound message',
    );
    expect(update).toMatchObject({
      jid: jid(ivy.phone),
      unreadCount: 1,
      archived: false,
      deleted: false,
      lastMessage: { waMessageId: sent.id, fromMe: false, text: 'are you open today?' },
    });
    const { deleted: _deleted, ...state } = update;
    expect(await listed(jid(ivy.phone))).toEqual(state);
    await eventually('the same event on SSE', () =>
      streamed(jid(ivy.phone)).find((c) => c.lastMessage?.waMessageId === sent.id),
    );
  });

  it('coalesces a burst of inbound messages, the last event carrying the latest state', async () => {
    const jay = sim.api.createContact({ name: 'Jay' });
    const ids: string[] = [];
    for (let n = 1; n <= 12; n += 1)
      ids.push((await sim.api.contactSend(jay.phone, { to: phone, type: 'text', text: `line ${n}` })).id);
    const last = await hookedUpdate(
      jid(jay.phone),
      (c) => c.lastMessage?.waMessageId === ids.at(-1),
      'the chat.update with the last message',
    );
    expect(last.unreadCount).toBe(12);
    const counts = hooked(jid(jay.phone)).map((c) => c.unreadCount);
    // each event is a state the chat was in, in order, never one per message
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(new Set(counts).size).toBe(counts.length);
    expect(counts.length).toBeLessThan(ids.length);
  });

  it('follows a chat archived, pinned, read and deleted on the phone (its app-state sync)', async () => {
    const lou = sim.api.createContact({ name: 'Lou' });
    const chatJid = jid(lou.phone);
    const sent = await sim.api.contactSend(lou.phone, { to: phone, type: 'text', text: 'ping' });
    await hookedUpdate(chatJid, (c) => c.lastMessage?.waMessageId === sent.id, 'the chat of Lou');
    expect(sim.api.changeChatOnPhone(phone, chatJid, { archived: true, pinned: true })).toEqual({
      devices: 1,
    });
    const update = await hookedUpdate(
      chatJid,
      (c) => c.archived && c.pinned,
      'the chat.update of the phone’s change',
    );
    expect(update).toMatchObject({ deleted: false, lastMessage: { waMessageId: sent.id } });
    expect(await listed(chatJid)).toMatchObject({ archived: true, pinned: true });

    sim.api.changeChatOnPhone(phone, chatJid, { read: true });
    await hookedUpdate(chatJid, (c) => c.unreadCount === 0 && c.archived, 'the chat read on the phone');
    sim.api.changeChatOnPhone(phone, chatJid, { deleted: true });
    const gone = await hookedUpdate(chatJid, (c) => c.deleted, 'the chat deleted on the phone');
    expect(gone).toMatchObject({ archived: true, pinned: true, unreadCount: 0 });
    expect(await listed(chatJid)).toBeUndefined();
  });

  it('announces archiving, muting and deleting a chat through the API', async () => {
    const kim = sim.api.createContact({ name: 'Kim' });
    const chatJid = jid(kim.phone);
    const sent = await sim.api.contactSend(kim.phone, { to: phone, type: 'text', text: 'hello' });
    await hookedUpdate(chatJid, (c) => c.lastMessage?.waMessageId === sent.id, 'the chat of Kim');

    const archived = await api.post<Chat>(`${base}/chats/${encodeURIComponent(chatJid)}/archive`);
    expect(archived.status).toBe(200);
    const update = await hookedUpdate(chatJid, (c) => c.archived, 'the chat.update of the archive');
    expect(update).toMatchObject({ archived: true, deleted: false, unreadCount: 1 });
    await eventually('the archive on SSE', () => streamed(chatJid).find((c) => c.archived));

    await api.post<Chat>(`${base}/chats/${encodeURIComponent(chatJid)}/mute`, {});
    await hookedUpdate(chatJid, (c) => c.muted && c.archived, 'the chat.update of the mute');

    expect((await api.delete(`${base}/chats/${encodeURIComponent(chatJid)}`)).status).toBe(204);
    const gone = await hookedUpdate(chatJid, (c) => c.deleted, 'the chat.update of the deletion');
    expect(gone).toMatchObject({ jid: chatJid, deleted: true, archived: true });
    expect(await listed(chatJid)).toBeUndefined();
  });
});
