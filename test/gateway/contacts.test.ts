import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../sim/simulator.ts';
import { GatewayProcess, type InstanceJson, linkByQr, PACING_OFF } from '../support/gateway-harness.ts';
import { type ApiClient, eventually, SseReader } from '../support/http-client.ts';

type Chat = {
  jid: string;
  name: string | null;
  unreadCount: number;
  archived: boolean;
  pinned: boolean;
  muted: boolean;
  lastMessage: { waMessageId: string; fromMe: boolean; text: string | null } | null;
};
type Page<T> = { items: T[]; nextCursor: string | null };
type Contact = {
  jid: string;
  phone: string | null;
  lid: string | null;
  name: string | null;
  pushName: string | null;
};

let sim: RunningSimulator;
let gw: GatewayProcess;
let api: ApiClient;
let phone: string;
let sse: SseReader;
const friends: Array<{ phone: string; lid: string }> = [];
const base = '/api/v1/instances/front';
const jid = (p: string) => `${p}@s.whatsapp.net`;

const chats = async (query = '') => (await api.get<Page<Chat>>(`${base}/chats${query}`)).body.items;
const messageRow = (waId: string) =>
  eventually(`message ${waId} in the history`, async () => {
    const res = await api.get(`${base}/messages/${waId}`);
    return res.status === 200 ? res.body : undefined;
  });
const image = (color: string) =>
  sharp({ create: { width: 48, height: 48, channels: 3, background: color } })
    .png()
    .toBuffer();

beforeAll(async () => {
  sim = await startSimulator({ historySync: { chats: 3, messagesPerChat: 3 } });
  for (const name of ['Alma', 'Bruno']) friends.push(sim.api.createContact({ name }));
  gw = await new GatewayProcess({ sim: sim.info, env: PACING_OFF }).start();
  api = gw.api;
  ({ phone } = sim.api.createAccount({ name: 'Front' }));
  const created = await api.post<InstanceJson>('/api/v1/instances', { name: 'front' });
  await linkByQr(api, sim.info.adminUrl, created.body.id, phone);
  sse = new SseReader(`${api.baseUrl}${base}/events`, api.key ?? '');
});
afterAll(async () => {
  sse?.close();
  await gw?.dispose();
  await sim?.close();
});

describe('chats', () => {
  it('lists the chats of the history, then a new inbound chat as soon as its message is in', async () => {
    const history = await eventually('the history chats', async () => {
      const items = await chats();
      return items.length >= 3 ? items : undefined;
    });
    const alma = history.find((c) => c.jid === jid(friends[0]?.phone ?? ''));
    expect(alma).toMatchObject({
      name: 'Alma',
      unreadCount: 1,
      archived: false,
      pinned: false,
      muted: false,
    });
    expect(alma?.lastMessage).toMatchObject({ fromMe: false, text: expect.stringContaining('history 1.3') });

    const stranger = sim.api.createContact({ name: 'Stranger' });
    const sent = await sim.api.contactSend(stranger.phone, {
      to: phone,
      type: 'text',
      text: 'first contact',
    });
    await messageRow(sent.id);
    const chat = await eventually(
      'the new chat',
      async () => (await chats()).find((c) => c.jid === jid(stranger.phone)),
      1_000,
    );
    expect(chat).toMatchObject({
      unreadCount: 1,
      lastMessage: { waMessageId: sent.id, text: 'first contact' },
    });
    // newest first: the new chat leads the list
    expect((await chats())[0]?.jid).toBe(jid(stranger.phone));
    const firstPage = await api.get<Page<Chat>>(`${base}/chats?limit=2`);
    expect(firstPage.body.items).toHaveLength(2);
    const next = await api.get<Page<Chat>>(`${base}/chats?limit=2&cursor=${firstPage.body.nextCursor}`);
    expect(next.body.items.map((c) => c.jid)).not.toContain(firstPage.body.items[0]?.jid);
  });

  it('moves a chat up with what the number sends, and counts it read', async () => {
    const alma = friends[0]?.phone ?? '';
    const sent = await api.post<{ waMessageId: string }>(`${base}/messages?wait=sent`, {
      to: alma,
      type: 'text',
      text: 'on my way',
    });
    expect(sent.status).toBeLessThan(300);
    const chat = await eventually('the chat with our send as its last message', async () =>
      (await chats()).find(
        (c) => c.jid === jid(alma) && c.lastMessage?.waMessageId === sent.body.waMessageId,
      ),
    );
    expect(chat).toMatchObject({ unreadCount: 0, lastMessage: { fromMe: true, text: 'on my way' } });
  });

  it('archives, pins, mutes, marks unread and deletes a chat', async () => {
    const bruno = encodeURIComponent(jid(friends[1]?.phone ?? ''));
    const archived = await api.post<Chat>(`${base}/chats/${bruno}/archive`);
    expect(archived.status).toBe(200);
    expect(archived.body.archived).toBe(true);
    expect(sim.api.profiles.appState(phone).at(-1)).toMatchObject({
      index: ['archive', jid(friends[1]?.phone ?? '')],
      action: { archiveChatAction: { archived: true } },
    });
    expect((await chats('?archived=true')).map((c) => c.jid)).toEqual([jid(friends[1]?.phone ?? '')]);
    expect((await api.post<Chat>(`${base}/chats/${bruno}/unarchive`)).body.archived).toBe(false);
    expect((await api.post<Chat>(`${base}/chats/${bruno}/pin`)).body.pinned).toBe(true);
    const muted = await api.request<Chat>('POST', `${base}/chats/${bruno}/mute`, {
      until: '2099-01-01T00:00:00Z',
    });
    expect(muted.body).toMatchObject({ muted: true, mutedUntil: '2099-01-01T00:00:00.000Z' });
    expect((await api.post<Chat>(`${base}/chats/${bruno}/unmute`)).body.muted).toBe(false);
    expect((await api.post<Chat>(`${base}/chats/${bruno}/mark-unread`)).body.unreadCount).toBeGreaterThan(0);
    expect((await api.delete(`${base}/chats/${bruno}`)).status).toBe(204);
    expect((await chats()).map((c) => c.jid)).not.toContain(jid(friends[1]?.phone ?? ''));
    const unknown = await api.post(`${base}/chats/15550009999/archive`);
    expect(unknown.status).toBe(404);
    const bad = await api.post(`${base}/chats/not-a-jid/pin`);
    expect(bad.status).toBe(400);
  });
});

describe('contacts', () => {
  it('lists synced contacts with phone and LID', async () => {
    const alma = friends[0];
    const list = await eventually('the synced contacts', async () => {
      const res = await api.get<Page<Contact>>(`${base}/contacts`);
      return res.body.items.find((c) => c.phone === alma?.phone) ? res.body.items : undefined;
    });
    expect(list.find((c) => c.phone === alma?.phone)).toMatchObject({
      jid: jid(alma?.phone ?? ''),
      lid: alma?.lid,
      name: 'Alma',
    });
  });

  it("keeps a sender's push name from its messages, and the new one once it renames itself", async () => {
    const carla = sim.api.createContact({ name: 'Carla' });
    const contact = async () =>
      (await api.get<Contact>(`${base}/contacts/${jid(carla.phone)}`)).body as Contact;
    for (const text of ['one', 'two']) {
      const sent = await sim.api.contactSend(carla.phone, { to: phone, type: 'text', text });
      await messageRow(sent.id);
    }
    await eventually('the push name', async () =>
      (await contact()).pushName === 'Carla' ? true : undefined,
    );
    expect(await contact()).toMatchObject({ phone: carla.phone, pushName: 'Carla' });
    sim.api.renameContact(carla.phone, 'Carla Souza');
    const renamed = await sim.api.contactSend(carla.phone, { to: phone, type: 'text', text: 'three' });
    await messageRow(renamed.id);
    await eventually('the new push name', async () =>
      (await contact()).pushName === 'Carla Souza' ? true : undefined,
    );
  });

  it("serves a contact's picture, about and business profile as the simulator has them", async () => {
    const shop = sim.api.createContact({ name: 'Corner Shop' });
    const set = sim.api.profiles.change(shop.phone, {
      picture: (await image('green')).toString('base64'),
      about: 'Fresh bread daily',
      business: { description: 'Bakery', category: 'Food' },
    });
    const res = await api.get(`${base}/contacts/${shop.phone}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      jid: jid(shop.phone),
      phone: shop.phone,
      pictureUrl: set.picture?.url,
      about: 'Fresh bread daily',
      isBusiness: true,
      business: { description: 'Bakery', category: 'Food' },
    });
    const plain = sim.api.createContact({ name: 'Plain' });
    expect((await api.get(`${base}/contacts/${jid(plain.phone)}`)).body).toMatchObject({
      pictureUrl: null,
      isBusiness: false,
      business: null,
    });
    const nobody = await api.get<{ error: { code: string } }>(`${base}/contacts/15550009876`);
    expect(nobody.status).toBe(404);
    expect(nobody.body.error.code).toBe('ZG_ERR_NOT_FOUND');
  });

  it("stops a blocked contact's messages, while others still arrive", async () => {
    const pest = sim.api.createContact({ name: 'Pest' });
    const friend = sim.api.createContact({ name: 'Kind' });
    expect((await api.post(`${base}/contacts/${pest.phone}/block`)).status).toBe(200);
    expect((await api.get<Page<string>>(`${base}/blocklist`)).body.items).toContain(jid(pest.phone));
    expect(sim.api.profiles.blocklist(phone)).toContain(jid(pest.phone));

    const blocked = await sim.api.contactSend(pest.phone, { to: phone, type: 'text', text: 'spam' });
    const later = await sim.api.contactSend(friend.phone, { to: phone, type: 'text', text: 'hello' });
    await messageRow(later.id);
    expect((await api.get(`${base}/messages/${blocked.id}`)).status).toBe(404);

    expect((await api.post(`${base}/contacts/${pest.phone}/unblock`)).status).toBe(200);
    expect((await api.get<Page<string>>(`${base}/blocklist`)).body.items).not.toContain(jid(pest.phone));
    const again = await sim.api.contactSend(pest.phone, { to: phone, type: 'text', text: 'sorry' });
    await messageRow(again.id);
  });

  it('subscribes to a presence and streams presence.update', async () => {
    const watched = sim.api.createContact({ name: 'Watched' });
    const res = await api.post(`${base}/contacts/${watched.phone}/presence-subscribe`);
    expect(res.status).toBe(200);
    sim.api.profiles.presence(watched.phone, 'available', undefined);
    const event = await eventually('presence.update on the stream', () =>
      sse.events.find(
        (e) =>
          e.event === 'presence.update' &&
          (e.data.data as { chatJid?: string; presence?: string }).chatJid === jid(watched.phone) &&
          (e.data.data as { presence?: string }).presence === 'available',
      ),
    );
    expect(event.data.data).toMatchObject({ participant: jid(watched.phone) });
  });
});

describe('own profile and privacy', () => {
  it('changes push name and about, sets and removes the picture', async () => {
    // the push name came with the app state the phone synced at link
    const before = await eventually('the push name from the app state', async () => {
      const res = await api.get<{ pushName: string | null }>(`${base}/profile`);
      return res.body.pushName === 'Front' ? res.body : undefined;
    });
    expect(before).toMatchObject({ jid: jid(phone), pictureUrl: null });
    const patched = await api.patch(`${base}/profile`, { pushName: 'Front Desk', about: 'Ask us anything' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ jid: jid(phone), pushName: 'Front Desk', about: 'Ask us anything' });
    expect(sim.api.profiles.view(phone)).toMatchObject({ name: 'Front Desk', about: 'Ask us anything' });

    const put = await api.request('PUT', `${base}/profile/picture`, {
      base64: (await image('orange')).toString('base64'),
    });
    expect(put.status).toBe(200);
    const picture = sim.api.profiles.view(phone).picture;
    expect(picture?.bytes).toBeGreaterThan(0);
    expect(put.body.pictureUrl).toBe(picture?.url);
    expect((await api.get(`${base}/profile`)).body).toMatchObject({
      about: 'Ask us anything',
      pictureUrl: picture?.url,
    });
    const removed = await api.delete(`${base}/profile/picture`);
    expect(removed.body.pictureUrl).toBeNull();
    expect(sim.api.profiles.view(phone).picture).toBeNull();

    const notImage = await api.request('PUT', `${base}/profile/picture`, {
      base64: Buffer.from('plain text, no image').toString('base64'),
    });
    expect(notImage.status).toBe(400);
    expect((await api.patch(`${base}/profile`, {})).status).toBe(400);
  });

  it('reads and changes privacy settings', async () => {
    const before = await api.get(`${base}/profile/privacy`);
    expect(before.body).toMatchObject({ lastSeen: 'all', readReceipts: 'all', about: 'contacts' });
    const after = await api.patch(`${base}/profile/privacy`, { lastSeen: 'contacts', groupsAdd: 'contacts' });
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ lastSeen: 'contacts', groupsAdd: 'contacts', online: 'all' });
    expect(sim.api.profiles.privacy(phone)).toMatchObject({ last: 'contacts', groupadd: 'contacts' });
    expect((await api.patch(`${base}/profile/privacy`, { lastSeen: 'everyone' })).status).toBe(400);
  });

  it('answers 409 for live calls on an instance that is not connected, and 404 for an unknown one', async () => {
    await api.post('/api/v1/instances', { name: 'idle' });
    const res = await api.get<{ error: { code: string } }>('/api/v1/instances/idle/profile');
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('ZG_ERR_NOT_CONNECTED');
    expect((await api.get('/api/v1/instances/idle/chats')).body).toEqual({ items: [], nextCursor: null });
    expect((await api.get('/api/v1/instances/nobody/contacts')).status).toBe(404);
  });
});
