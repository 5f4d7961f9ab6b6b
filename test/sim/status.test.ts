import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimClient } from '../support/sim-client.ts';
import { SimFixture } from '../support/sim-fixture.ts';

type Linked = { client: SimClient; phone: string };
let fx: SimFixture;
let ann: Linked;
let ben: Linked;
let cat: Linked;
let alice: { phone: string };
let bob: { phone: string };
const jid = (phone: string) => `${phone}@s.whatsapp.net`;
const STATUS = 'status@broadcast';

interface Received {
  id: string;
  from: string;
  chat: string;
  type: string;
  content: Record<string, unknown>;
}

/** A contact's statuses, as the admin API shows them. */
async function statusesOf(phone: string): Promise<Received[]> {
  const res = await fetch(`${fx.sim.info.adminUrl}/contacts/${phone}/statuses`);
  expect(res.status).toBe(200);
  return (await res.json()) as Received[];
}

/** Polls the admin API until the contact has decrypted status `id`. */
async function waitForStatus(phone: string, id: string | null | undefined): Promise<Received> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const found = (await statusesOf(phone)).find((m) => m.id === id);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for status ${id} at ${phone}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  fx = await SimFixture.start();
  ann = await fx.linkedClient({ name: 'Ann' });
  ben = await fx.linkedClient({ name: 'Ben' });
  cat = await fx.linkedClient({ name: 'Cat' });
  alice = fx.api.createContact({ name: 'Alice' });
  bob = fx.api.createContact({ name: 'Bob' });
});
afterAll(() => fx.close());

describe('status updates (status@broadcast)', () => {
  it('reach exactly the listed contacts and devices, with the sender as participant', async () => {
    const first = await ann.client.sock.sendMessage(
      STATUS,
      { text: 'open until 8 pm today' },
      {
        statusJidList: [jid(alice.phone), jid(ben.phone)],
        broadcast: true,
        backgroundColor: '#FF25D366',
        font: 2,
      },
    );
    const atAlice = await waitForStatus(alice.phone, first?.key.id);
    expect(atAlice).toMatchObject({
      from: ann.phone,
      chat: STATUS,
      type: 'text',
      content: { text: 'open until 8 pm today', backgroundColor: '#FF25D366', font: 2 },
    });
    const atBen = await ben.client.waitForMessage((m) => m.key.id === first?.key.id, 'the status at Ben');
    expect(atBen.key.remoteJid).toBe(STATUS);
    expect(atBen.key.participant).toBe(jid(ann.phone));
    expect(atBen.message?.extendedTextMessage?.text).toBe('open until 8 pm today');
    const ack = await ann.client.waitFor('the server ack', () =>
      ann.client.acks.find((a) => a.id === first?.key.id),
    );
    expect(ack.error).toBeUndefined();

    // the unlisted see the next status, meant for them, and never the first
    const bytes = randomBytes(20_000);
    const second = await ann.client.sock.sendMessage(
      STATUS,
      { image: bytes, caption: 'new stock', mimetype: 'image/png' },
      { statusJidList: [jid(bob.phone), jid(cat.phone)], broadcast: true },
    );
    const atBob = await waitForStatus(bob.phone, second?.key.id);
    expect(atBob).toMatchObject({ chat: STATUS, type: 'image', content: { caption: 'new stock' } });
    expect(Buffer.from(String(atBob.content.data), 'base64').equals(bytes)).toBe(true);
    const atCat = await cat.client.waitForMessage((m) => m.key.id === second?.key.id, 'the status at Cat');
    expect(atCat.message?.imageMessage?.caption).toBe('new stock');

    expect((await statusesOf(bob.phone)).map((m) => m.id)).toEqual([second?.key.id]);
    expect(cat.client.received.some((m) => m.key.id === first?.key.id)).toBe(false);

    // and the first audience sees a third status after the first, never the second in between
    const third = await ann.client.sock.sendMessage(
      STATUS,
      { text: 'closed tomorrow' },
      { statusJidList: [jid(alice.phone), jid(ben.phone)], broadcast: true },
    );
    await waitForStatus(alice.phone, third?.key.id);
    await ben.client.waitForMessage((m) => m.key.id === third?.key.id, 'the third status at Ben');
    expect((await statusesOf(alice.phone)).map((m) => m.id)).toEqual([first?.key.id, third?.key.id]);
    expect(ben.client.received.some((m) => m.key.id === second?.key.id)).toBe(false);
    // a status is not a chat message: the contact's own messages stay apart
    expect(fx.api.contactInbox(alice.phone).filter((m) => m.chat !== STATUS)).toEqual([]);
  });

  it('answers an unknown contact with a 404', async () => {
    const res = await fetch(`${fx.sim.info.adminUrl}/contacts/19990000000/statuses`);
    expect(res.status).toBe(404);
  });
});
