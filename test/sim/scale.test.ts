import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimClient } from '../support/sim-client.ts';
import { SimFixture } from '../support/sim-fixture.ts';

/** 40 by default (linking is CPU-bound key generation); SIM_SCALE_ACCOUNTS=100 for the full load. */
const ACCOUNTS = Number(process.env.SIM_SCALE_ACCOUNTS ?? 40);
const WAVE = 20;
let fx: SimFixture;
const jid = (phone: string) => `${phone}@s.whatsapp.net`;

beforeAll(async () => {
  fx = await SimFixture.start();
});
afterAll(() => fx.close());

describe('many accounts at once', () => {
  it(`links ${ACCOUNTS} accounts concurrently and they all exchange messages`, {
    timeout: 240_000,
  }, async () => {
    // Linking is CPU-bound key generation in this one process: link in waves, then talk all at once.
    const linked: Array<{ client: SimClient; phone: string }> = [];
    for (let wave = 0; wave < ACCOUNTS; wave += WAVE) {
      const size = Math.min(WAVE, ACCOUNTS - wave);
      const batch = Array.from({ length: size }, (_, i) =>
        fx.linkedClient({ name: `Load ${wave + i}`, timeoutMs: 120_000 }),
      );
      linked.push(...(await Promise.all(batch)));
    }
    expect(new Set(linked.map((l) => l.phone)).size).toBe(ACCOUNTS);
    const contact = fx.api.createContact({ name: 'Hub' });
    // Every account writes to the next one (a ring) and to a shared contact, all at the same time.
    const sent = await Promise.all(
      linked.map(async ({ client }, i) => {
        const next = linked[(i + 1) % ACCOUNTS];
        if (!next) throw new Error('ring broken');
        const toNext = await client.sock.sendMessage(jid(next.phone), { text: `ring ${i}` });
        const toHub = await client.sock.sendMessage(jid(contact.phone), { text: `hub ${i}` });
        return { toNext: toNext?.key.id ?? '', toHub: toHub?.key.id ?? '' };
      }),
    );
    await Promise.all(
      linked.map(({ client }, i) => {
        const prev = sent[(i + ACCOUNTS - 1) % ACCOUNTS];
        return client.waitForMessage((m) => m.key.id === prev?.toNext, `ring message at ${i}`, 120_000);
      }),
    );
    const hubIds = new Set(sent.map((s) => s.toHub));
    await linked[0]?.client.waitFor(
      'the hub to decrypt everything',
      () => fx.api.contactInbox(contact.phone).filter((m) => hubIds.has(m.id)).length === ACCOUNTS,
      120_000,
    );
    const fromContact = await Promise.all(
      linked.map(({ phone }) => fx.api.contactSend(contact.phone, { to: phone, type: 'text', text: 'back' })),
    );
    await Promise.all(
      linked.map(({ client }, i) =>
        client.waitForMessage((m) => m.key.id === fromContact[i]?.id, 'hub reply', 120_000),
      ),
    );
  });
});
