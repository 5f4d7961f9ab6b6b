import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimClient } from '../support/sim-client.ts';
import { SimFixture } from '../support/sim-fixture.ts';

let fx: SimFixture;
let client: SimClient;
let phone: string;
const jid = (p: string) => `${p}@s.whatsapp.net`;
const textOf = (m: { message?: { conversation?: string | null } | null }) => m.message?.conversation;

const squareImage = (color: string) =>
  sharp({ create: { width: 64, height: 64, channels: 3, background: color } })
    .png()
    .toBuffer();

beforeAll(async () => {
  fx = await SimFixture.start({ historySync: { chats: 2, messagesPerChat: 3 } });
  fx.api.createContact({ name: 'History Friend' });
  ({ client, phone } = await fx.linkedClient({ name: 'Profiles' }));
});
afterAll(() => fx.close());

describe('profiles', () => {
  it('serves a contact picture, about text and business profile as the admin API set them', async () => {
    const contact = fx.api.createContact({ name: 'Pic Shop' });
    await expect(client.sock.profilePictureUrl(jid(contact.phone))).rejects.toThrow();
    const set = fx.api.profiles.change(contact.phone, {
      picture: (await squareImage('blue')).toString('base64'),
      about: 'Open 9 to 5',
      business: { description: 'We sell pictures', category: 'Shopping' },
    });
    expect(await client.sock.profilePictureUrl(jid(contact.phone), 'image')).toBe(set.picture?.url);
    // by LID the same user answers
    expect(await client.sock.profilePictureUrl(contact.lid)).toBe(set.picture?.url);
    const [status] = (await client.sock.fetchStatus(jid(contact.phone))) ?? [];
    expect((status?.status as { status?: string } | undefined)?.status).toBe('Open 9 to 5');
    const business = await client.sock.getBusinessProfile(jid(contact.phone));
    expect(business).toMatchObject({ description: 'We sell pictures', category: 'Shopping' });
    const plain = fx.api.createContact({ name: 'Plain' });
    expect(await client.sock.getBusinessProfile(jid(plain.phone))).toBeUndefined();
  });

  it("changes and removes the account's own picture and about text", async () => {
    await client.sock.updateProfilePicture(jid(phone), await squareImage('red'));
    const mine = fx.api.profiles.view(phone);
    expect(mine.picture?.bytes).toBeGreaterThan(0);
    expect(await client.sock.profilePictureUrl(jid(phone))).toBe(mine.picture?.url);
    await client.sock.updateProfileStatus('Busy building');
    const [status] = (await client.sock.fetchStatus(jid(phone))) ?? [];
    expect((status?.status as { status?: string } | undefined)?.status).toBe('Busy building');
    await client.sock.removeProfilePicture(jid(phone));
    expect(fx.api.profiles.view(phone).picture).toBeNull();
    await expect(client.sock.profilePictureUrl(jid(phone))).rejects.toThrow();
  });

  it('keeps privacy settings the account changes', async () => {
    expect(await client.sock.fetchPrivacySettings(true)).toMatchObject({ last: 'all', readreceipts: 'all' });
    await client.sock.updateLastSeenPrivacy('contacts');
    await client.sock.updateGroupsAddPrivacy('contacts');
    expect(fx.api.profiles.privacy(phone)).toMatchObject({ last: 'contacts', groupadd: 'contacts' });
    expect(await client.sock.fetchPrivacySettings(true)).toMatchObject({
      last: 'contacts',
      groupadd: 'contacts',
    });
    await expect(client.sock.updateOnlinePrivacy('nobody' as never)).rejects.toThrow();
  });

  it("stops a blocked contact's messages, and delivers them again after unblocking", async () => {
    const pest = fx.api.createContact({ name: 'Pest' });
    const friend = fx.api.createContact({ name: 'Friend' });
    await client.sock.updateBlockStatus(jid(pest.phone), 'block');
    expect(await client.sock.fetchBlocklist()).toContain(jid(pest.phone));
    expect(fx.api.profiles.blocklist(phone)).toEqual([jid(pest.phone)]);

    const blocked = await fx.api.contactSend(pest.phone, { to: phone, type: 'text', text: 'let me in' });
    const later = await fx.api.contactSend(friend.phone, { to: phone, type: 'text', text: 'after the pest' });
    await client.waitForMessage((m) => m.key.id === later.id, 'the friend message');
    expect(client.received.some((m) => m.key.id === blocked.id)).toBe(false);

    await client.sock.updateBlockStatus(jid(pest.phone), 'unblock');
    expect(await client.sock.fetchBlocklist()).not.toContain(jid(pest.phone));
    const again = await fx.api.contactSend(pest.phone, { to: phone, type: 'text', text: 'sorry' });
    const got = await client.waitForMessage((m) => m.key.id === again.id, 'the unblocked message');
    expect(textOf(got)).toBe('sorry');
  });

  it("gives a subscriber the contact's presence, its changes and its typing", async () => {
    const chatty = fx.api.createContact({ name: 'Chatty' });
    const seen: Array<{ id: string; presence?: string }> = [];
    client.sock.ev.on('presence.update', (u) => {
      for (const p of Object.values(u.presences)) seen.push({ id: u.id, presence: p.lastKnownPresence });
    });
    // before the subscription nobody is told
    expect(fx.api.profiles.presence(chatty.phone, 'available', undefined).reached).toBe(0);
    await client.sock.presenceSubscribe(jid(chatty.phone));
    await client.waitFor('the presence at subscription', () =>
      seen.find((s) => s.id === jid(chatty.phone) && s.presence === 'available'),
    );
    fx.api.profiles.presence(chatty.phone, 'composing', phone);
    await client.waitFor('the typing', () => seen.find((s) => s.presence === 'composing'));
    fx.api.profiles.presence(chatty.phone, 'unavailable', undefined);
    await client.waitFor('the contact going offline', () => seen.find((s) => s.presence === 'unavailable'));
  });

  it('names the chats and contacts of the history with their LIDs', async () => {
    const history = await client.waitFor('the history sync', () =>
      client.events.find((e) => e.name === 'messaging-history.set'),
    );
    const data = history.data as {
      chats: Array<{ id: string; name?: string; unreadCount?: number }>;
      contacts: Array<{ id: string; name?: string; lid?: string }>;
    };
    const friend = data.contacts.find((c) => c.name === 'History Friend');
    expect(friend?.lid).toMatch(/@lid$/);
    const chat = data.chats.find((c) => c.id === friend?.id);
    expect(chat).toMatchObject({ name: 'History Friend', unreadCount: 1 });
  });
});

describe('app state', () => {
  it("gives a new device the account's push name, and reads what devices change", async () => {
    await client.waitFor(
      'the push name from the app state',
      () => client.auth.state.creds.me?.name === 'Profiles',
    );
    await client.sock.updateProfileName('Renamed');
    expect(fx.api.profiles.view(phone).name).toBe('Renamed');
    const chat = fx.api.createContact({ name: 'Archived' });
    await client.sock.chatModify({ archive: true, lastMessages: [] }, jid(chat.phone));
    const actions = fx.api.profiles.appState(phone);
    expect(actions.map((a) => a.index[0])).toEqual(['setting_pushName', 'archive']);
    expect(actions[1]).toMatchObject({ collection: 'regular_low', index: ['archive', jid(chat.phone)] });
    expect(actions[1]?.action).toMatchObject({ archiveChatAction: { archived: true } });
  });
});

describe('profile admin routes', () => {
  const admin = (path: string, body?: unknown) =>
    fetch(`${fx.sim.info.adminUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));

  it("sets and reads a contact's profile, and reads an account's block list and privacy", async () => {
    const contact = fx.api.createContact({ name: 'Admin Made' });
    const set = await admin(`/contacts/${contact.phone}/profile`, {
      about: 'via admin',
      picture: (await squareImage('white')).toString('base64'),
      business: { description: 'Desk', website: 'https://example.com' },
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      about: 'via admin',
      business: { description: 'Desk', website: 'https://example.com' },
    });
    expect((await admin(`/contacts/${contact.phone}/profile`)).body).toEqual(set.body);
    expect((await admin(`/contacts/${contact.phone}/profile`, { picture: null })).body.picture).toBeNull();
    expect((await admin(`/accounts/${phone}/blocklist`)).body).toEqual({
      blocked: fx.api.profiles.blocklist(phone),
    });
    expect((await admin(`/accounts/${phone}/privacy`)).body).toMatchObject({ readreceipts: 'all' });
    expect((await admin(`/contacts/${contact.phone}/presence`, { state: 'available' })).body).toEqual({
      reached: 0,
    });
    expect((await admin(`/contacts/${contact.phone}/presence`, { state: 'dancing' })).status).toBe(400);
    expect((await admin(`/contacts/${contact.phone}/presence`, { state: 'composing' })).status).toBe(400);
    expect((await admin(`/contacts/${contact.phone}/profile`, { picture: 42 })).status).toBe(400);
    expect((await admin('/contacts/15559990000/profile')).status).toBe(404);
  });
});
