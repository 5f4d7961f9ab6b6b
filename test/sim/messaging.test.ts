import { randomBytes } from 'node:crypto';
import { DisconnectReason, downloadMediaMessage, type WAMessage, WAMessageStatus } from 'baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimClient } from '../support/sim-client.ts';
import { SimFixture } from '../support/sim-fixture.ts';

let fx: SimFixture;
let client: SimClient;
let phone: string;
let contact: { phone: string };
let contactJid: string;

beforeAll(async () => {
  fx = await SimFixture.start();
  ({ client, phone } = await fx.linkedClient({ name: 'Messaging Tester' }));
  contact = fx.api.createContact({ name: 'Alice' });
  contactJid = `${contact.phone}@s.whatsapp.net`;
});
afterAll(() => fx.close());

const inboxEntry = (id: string | null | undefined) =>
  client.waitFor(`the contact to decrypt ${id}`, () =>
    fx.api.contactInbox(contact.phone).find((m) => m.id === id),
  );

const download = async (m: WAMessage): Promise<Buffer> =>
  (await downloadMediaMessage(m, 'buffer', {
    options: { dispatcher: client.dispatcher },
  } as never)) as Buffer;

describe('a linked client and a contact', () => {
  it('delivers text both ways: the first inbound is a pkmsg, the next a msg', async () => {
    const first = await fx.api.contactSend(contact.phone, { to: phone, type: 'text', text: 'hello one' });
    const second = await fx.api.contactSend(contact.phone, { to: phone, type: 'text', text: 'hello two' });
    const m1 = await client.waitForMessage((m) => m.key.id === first.id);
    const m2 = await client.waitForMessage((m) => m.key.id === second.id);
    expect(m1.message?.conversation).toBe('hello one');
    expect(m2.message?.conversation).toBe('hello two');
    expect(m1.pushName).toBe('Alice');
    const sent = await client.sock.sendMessage(contactJid, { text: 'hi alice' });
    expect((await inboxEntry(sent?.key.id)).content).toMatchObject({ text: 'hi alice' });
  });

  it("carries a contact's new push name once it renames itself", async () => {
    const res = await fetch(`${fx.sim.info.adminUrl}/contacts/${contact.phone}`, {
      method: 'PATCH',
      body: JSON.stringify({ name: 'Alice B.' }),
    });
    expect(res.status).toBe(200);
    const sent = await fx.api.contactSend(contact.phone, { to: phone, type: 'text', text: 'renamed' });
    expect((await client.waitForMessage((m) => m.key.id === sent.id)).pushName).toBe('Alice B.');
    fx.api.renameContact(contact.phone, 'Alice');
    const empty = await fetch(`${fx.sim.info.adminUrl}/contacts/${contact.phone}`, {
      method: 'PATCH',
      body: JSON.stringify({ name: ' ' }),
    });
    expect(empty.status).toBe(400);
  });

  it('carries a reply and mentions from the client', async () => {
    const quoted = await client.waitForMessage((m) => m.message?.conversation === 'hello one');
    const sent = await client.sock.sendMessage(
      contactJid,
      { text: `re @${contact.phone}`, mentions: [contactJid] },
      { quoted },
    );
    const got = await inboxEntry(sent?.key.id);
    expect(got.type).toBe('text');
    expect(got.content).toMatchObject({
      text: `re @${contact.phone}`,
      replyTo: quoted.key.id,
      mentions: [contactJid],
    });
  });

  it('relays every media type from the client to the contact byte for byte', async () => {
    const bytes = randomBytes(40_000);
    const cases = [
      { content: { image: bytes, caption: 'a picture', mimetype: 'image/png' }, type: 'image' },
      { content: { video: bytes, caption: 'a film', mimetype: 'video/mp4' }, type: 'video' },
      { content: { audio: bytes, ptt: true, mimetype: 'audio/ogg; codecs=opus' }, type: 'audio' },
      { content: { document: bytes, fileName: 'report.pdf', mimetype: 'application/pdf' }, type: 'document' },
      { content: { sticker: bytes, mimetype: 'image/webp' }, type: 'sticker' },
    ] as const;
    for (const c of cases) {
      const sent = await client.sock.sendMessage(contactJid, c.content as never);
      const got = await inboxEntry(sent?.key.id);
      expect(got.type).toBe(c.type);
      expect(Buffer.from(String(got.content.data), 'base64').equals(bytes)).toBe(true);
    }
    const doc = fx.api.contactInbox(contact.phone).find((m) => m.type === 'document');
    expect(doc?.content).toMatchObject({ fileName: 'report.pdf', mimetype: 'application/pdf' });
  });

  it('relays location, contact card, reaction, poll, edit and revoke from the client', async () => {
    const base = await client.sock.sendMessage(contactJid, { text: 'to be changed' });
    const key = base?.key;
    if (!key) throw new Error('no key');
    const vcard = 'BEGIN:VCARD\nVERSION:3.0\nFN:Bob\nTEL;waid=15550009999:+1 555 000 9999\nEND:VCARD';
    const sends = [
      {
        content: { location: { degreesLatitude: 52.52, degreesLongitude: 13.405, name: 'Berlin' } },
        type: 'location',
        expected: { latitude: 52.52, longitude: 13.405 },
      },
      {
        content: { contacts: { contacts: [{ displayName: 'Bob', vcard }] } },
        type: 'contact',
        expected: { displayName: 'Bob', vcard },
      },
      {
        content: { react: { text: '👍', key } },
        type: 'reaction',
        expected: { messageId: key.id, emoji: '👍' },
      },
      {
        content: { poll: { name: 'Lunch?', values: ['Pizza', 'Sushi'], selectableCount: 1 } },
        type: 'poll',
        expected: { name: 'Lunch?', options: ['Pizza', 'Sushi'] },
      },
      {
        content: { text: 'changed', edit: key },
        type: 'edit',
        expected: { messageId: key.id, text: 'changed' },
      },
      { content: { delete: key }, type: 'revoke', expected: { messageId: key.id } },
    ];
    for (const s of sends) {
      const sent = await client.sock.sendMessage(contactJid, s.content as never);
      const got = await inboxEntry(sent?.key.id);
      expect(got.type, JSON.stringify(got)).toBe(s.type);
      expect(got.content).toMatchObject(s.expected);
    }
  });

  it('delivers every type from the contact to the client, media byte for byte', async () => {
    const bytes = randomBytes(30_000);
    const data = bytes.toString('base64');
    const text = await fx.api.contactSend(contact.phone, { to: phone, type: 'text', text: 'quote me' });
    const sends: Array<[Record<string, unknown>, (m: WAMessage) => Promise<void> | void]> = [
      [
        { type: 'text', text: 'a reply', replyTo: text.id, mentions: [phone] },
        (m) => {
          expect(m.message?.extendedTextMessage?.text).toBe('a reply');
          expect(m.message?.extendedTextMessage?.contextInfo?.stanzaId).toBe(text.id);
          expect(m.message?.extendedTextMessage?.contextInfo?.mentionedJid).toEqual([
            `${phone}@s.whatsapp.net`,
          ]);
        },
      ],
      [
        { type: 'image', data, caption: 'pic', mimetype: 'image/png' },
        async (m) => {
          expect(m.message?.imageMessage?.caption).toBe('pic');
          expect((await download(m)).equals(bytes)).toBe(true);
        },
      ],
      [
        { type: 'video', data, caption: 'clip' },
        async (m) => expect((await download(m)).equals(bytes)).toBe(true),
      ],
      [
        { type: 'audio', data, ptt: true },
        async (m) => {
          expect(m.message?.audioMessage?.ptt).toBe(true);
          expect((await download(m)).equals(bytes)).toBe(true);
        },
      ],
      [
        { type: 'document', data, fileName: 'notes.txt', mimetype: 'text/plain' },
        async (m) => {
          expect(m.message?.documentMessage?.fileName).toBe('notes.txt');
          expect((await download(m)).equals(bytes)).toBe(true);
        },
      ],
      [{ type: 'sticker', data }, async (m) => expect((await download(m)).equals(bytes)).toBe(true)],
      [
        { type: 'location', latitude: -33.86, longitude: 151.21, name: 'Sydney' },
        (m) => {
          expect(m.message?.locationMessage).toMatchObject({
            degreesLatitude: -33.86,
            degreesLongitude: 151.21,
            name: 'Sydney',
          });
        },
      ],
      [
        { type: 'contact', displayName: 'Carol', phone: '15550007777' },
        (m) => {
          expect(m.message?.contactMessage?.displayName).toBe('Carol');
          expect(m.message?.contactMessage?.vcard).toContain('15550007777');
        },
      ],
      [
        { type: 'poll', name: 'Colour?', options: ['Red', 'Blue', 'Green'], selectableCount: 1 },
        (m) => {
          const poll =
            m.message?.pollCreationMessageV3 ??
            m.message?.pollCreationMessage ??
            m.message?.pollCreationMessageV2;
          expect(poll?.name).toBe('Colour?');
          expect(poll?.options?.map((o) => o.optionName)).toEqual(['Red', 'Blue', 'Green']);
        },
      ],
    ];
    for (const [input, check] of sends) {
      const { id } = await fx.api.contactSend(contact.phone, { to: phone, ...input });
      await check(await client.waitForMessage((m) => m.key.id === id, `a ${String(input.type)}`));
    }
  });

  it('delivers a reaction, an edit and a revoke from the contact', async () => {
    const mine = await client.sock.sendMessage(contactJid, { text: 'react to this' });
    const reaction = await fx.api.contactSend(contact.phone, {
      to: phone,
      type: 'reaction',
      messageId: mine?.key.id,
      emoji: '❤️',
      fromMe: false,
    });
    const r = await client.waitForMessage((m) => m.key.id === reaction.id);
    expect(r.message?.reactionMessage).toMatchObject({ text: '❤️' });
    expect(r.message?.reactionMessage?.key?.id).toBe(mine?.key.id);

    const original = await fx.api.contactSend(contact.phone, { to: phone, type: 'text', text: 'typo' });
    await client.waitForMessage((m) => m.key.id === original.id);
    const edit = await fx.api.contactSend(contact.phone, {
      to: phone,
      type: 'edit',
      messageId: original.id,
      text: 'fixed',
    });
    const e = await client.waitForMessage(
      (m) => m.key.id === edit.id || m.message?.protocolMessage?.key?.id === original.id,
    );
    expect(e.message?.protocolMessage?.editedMessage?.conversation).toBe('fixed');
    const revoke = await fx.api.contactSend(contact.phone, {
      to: phone,
      type: 'revoke',
      messageId: original.id,
    });
    const v = await client.waitForMessage(
      (m) => m.key.id === revoke.id && m.message?.protocolMessage?.type === 0,
    );
    expect(v.message?.protocolMessage?.key?.id).toBe(original.id);
  });

  it('turns delivery and read receipts into status updates', async () => {
    const sent = await client.sock.sendMessage(contactJid, { text: 'did you read this?' });
    const id = sent?.key.id ?? '';
    await client.waitForStatus(id, WAMessageStatus.DELIVERY_ACK);
    fx.api.contactReceipt(contact.phone, { from: phone, ids: [id], type: 'read' });
    await client.waitForStatus(id, WAMessageStatus.READ);
  });

  it('fails a message to a number that is not on WhatsApp', async () => {
    const sent = await client.sock.sendMessage('19990001234@s.whatsapp.net', { text: 'anyone?' });
    const ack = await client.waitFor('the server ack', () => client.acks.find((a) => a.id === sent?.key.id));
    expect(ack.error).toBe('479');
    const check = await client.sock.onWhatsApp('19990001234', contact.phone);
    expect(check?.find((r) => r.jid.startsWith(contact.phone))?.exists).toBe(true);
    expect(check?.find((r) => r.jid.startsWith('19990001234'))?.exists ?? false).toBe(false);
  });
});

describe('faults', () => {
  it('a silenced link is detected by the client and reconnected', async () => {
    const { client: c, phone: p } = await fx.linkedClient({
      keepAliveIntervalMs: 1_000,
      autoReconnect: true,
    });
    const opens = c.opens;
    expect(fx.api.fault({ phone: p, kind: 'silence' }).affected).toBe(1);
    await c.waitForClose(DisconnectReason.connectionLost, 20_000);
    await c.waitForOpen(opens + 1);
  });

  it('drops a link and sends a stream error with a given code', async () => {
    const { client: c, phone: p } = await fx.linkedClient({ autoReconnect: true });
    fx.api.fault({ phone: p, kind: 'drop' });
    await c.waitForOpen(c.opens + 1);
    fx.api.fault({ phone: p, kind: 'stream-error', code: 503 });
    await c.waitForClose(503);
    await c.waitForOpen(c.opens + 1);
  });
});
