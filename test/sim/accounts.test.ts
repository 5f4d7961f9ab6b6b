import { randomBytes } from 'node:crypto';
import { downloadMediaMessage, WAMessageStatus } from 'baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryAuth } from '../support/memory-auth.ts';
import type { SimClient } from '../support/sim-client.ts';
import { SimFixture } from '../support/sim-fixture.ts';

let fx: SimFixture;
let alice: SimClient;
let bob: SimClient;
let alicePhone: string;
let bobPhone: string;
const jid = (phone: string) => `${phone}@s.whatsapp.net`;

beforeAll(async () => {
  fx = await SimFixture.start();
  ({ client: alice, phone: alicePhone } = await fx.linkedClient({ name: 'Alice Desk' }));
  ({ client: bob, phone: bobPhone } = await fx.linkedClient({ name: 'Bob Desk' }));
});
afterAll(() => fx.close());

describe('two linked accounts', () => {
  it('exchange texts carrying the push name and the LID of the sender', async () => {
    const sent = await alice.sock.sendMessage(jid(bobPhone), { text: 'hi bob' });
    const got = await bob.waitForMessage((m) => m.key.id === sent?.key.id);
    expect(got.message?.conversation ?? got.message?.extendedTextMessage?.text).toBe('hi bob');
    expect(got.pushName).toBe('Alice Desk');
    const aliceLid = fx.api.devices(alicePhone)[0]?.lid.replace(/:\d+@/, '@');
    expect([got.key.remoteJid, got.key.remoteJidAlt, got.key.participantAlt]).toContain(aliceLid);
    const reply = await bob.sock.sendMessage(got.key.remoteJid ?? jid(alicePhone), { text: 'hi alice' });
    const back = await alice.waitForMessage((m) => m.key.id === reply?.key.id);
    expect(back.message?.conversation ?? back.message?.extendedTextMessage?.text).toBe('hi alice');
  });

  it('send media byte for byte and revoke it', async () => {
    const bytes = randomBytes(25_000);
    const sent = await alice.sock.sendMessage(jid(bobPhone), { image: bytes, caption: 'look' });
    const got = await bob.waitForMessage((m) => m.key.id === sent?.key.id);
    const downloaded = await downloadMediaMessage(got, 'buffer', {
      options: { dispatcher: bob.dispatcher },
    } as never);
    expect(Buffer.from(downloaded as Buffer).equals(bytes)).toBe(true);
    if (!sent) throw new Error('not sent');
    const revoke = await alice.sock.sendMessage(jid(bobPhone), { delete: sent.key });
    const gotRevoke = await bob.waitForMessage((m) => m.key.id === revoke?.key.id);
    expect(gotRevoke.message?.protocolMessage?.type).toBe(0);
    expect(gotRevoke.message?.protocolMessage?.key?.id).toBe(sent.key.id);
  });

  it('pass delivery and read receipts back to the sender', async () => {
    const sent = await alice.sock.sendMessage(jid(bobPhone), { text: 'read me' });
    const got = await bob.waitForMessage((m) => m.key.id === sent?.key.id);
    await alice.waitForStatus(sent?.key.id ?? '', WAMessageStatus.DELIVERY_ACK);
    await bob.sock.readMessages([got.key]);
    await alice.waitForStatus(sent?.key.id ?? '', WAMessageStatus.READ);
  });

  it('keeps messages for a device that is offline and delivers them when it returns', async () => {
    const saved = bob.auth.snapshot();
    bob.end();
    await bob.waitFor('bob offline', () => fx.api.devices(bobPhone).every((d) => !d.online));
    const ids: string[] = [];
    for (const text of ['while you were away 1', 'while you were away 2']) {
      const sent = await alice.sock.sendMessage(jid(bobPhone), { text });
      ids.push(sent?.key.id ?? '');
    }
    bob = fx.client({ auth: MemoryAuth.fromSnapshot(saved) }).connect();
    for (const id of ids) await bob.waitForMessage((m) => m.key.id === id, `queued ${id}`);
    const texts = ids.map((id) => bob.received.find((m) => m.key.id === id)?.message);
    expect(texts.map((m) => m?.conversation ?? m?.extendedTextMessage?.text)).toEqual([
      'while you were away 1',
      'while you were away 2',
    ]);
  });

  it("reach the sender's own other devices with the recipient", async () => {
    const second = fx.client({ name: 'Alice Laptop' }).connect();
    fx.api.linkQr(alicePhone, await second.waitForQr());
    await second.waitForOpen(1);
    expect(fx.api.devices(alicePhone).map((d) => d.id)).toEqual([1, 2]);
    const sent = await alice.sock.sendMessage(jid(bobPhone), { text: 'seen on both my devices' });
    const own = await second.waitForMessage((m) => m.key.id === sent?.key.id);
    expect(own.key.fromMe).toBe(true);
    expect(own.key.remoteJid).toBe(jid(bobPhone));
    await bob.waitForMessage((m) => m.key.id === sent?.key.id);
  });
});
