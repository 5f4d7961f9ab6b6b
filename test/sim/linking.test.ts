import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimFixture } from '../support/sim-fixture.ts';

let fx: SimFixture;
beforeAll(async () => {
  fx = await SimFixture.start();
});
afterAll(() => fx.close());

describe('linking a real Baileys client', () => {
  it('links by QR and opens, then talks to a contact both ways', async () => {
    const { client, phone } = await fx.linkedClient({ name: 'QR Tester' });
    expect(client.phone).toBe(phone);
    const contact = fx.api.createContact({ name: 'Alice' });
    const { id } = await fx.api.contactSend(contact.phone, { to: phone, type: 'text', text: 'hello from alice' });
    const got = await client.waitForMessage((m) => m.key.id === id);
    expect(got.message?.conversation).toBe('hello from alice');
    const sent = await client.sock.sendMessage(`${contact.phone}@s.whatsapp.net`, { text: 'hi alice' });
    const inbox = await client.waitFor('the contact to decrypt', () =>
      fx.api.contactInbox(contact.phone).find((m) => m.id === sent?.key.id),
    );
    expect(inbox.content.text).toBe('hi alice');
  });
});
