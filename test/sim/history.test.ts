import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimFixture } from '../support/sim-fixture.ts';

let fx: SimFixture;
beforeAll(async () => {
  fx = await SimFixture.start({ historySync: { chats: 3, messagesPerChat: 4 } });
});
afterAll(() => fx.close());

describe('first login', () => {
  it('gets a history sync with the configured chats and messages, then app state syncs without looping', async () => {
    const contact = fx.api.createContact({ name: 'Old Friend' });
    const { client } = await fx.linkedClient();
    const history = await client.waitFor('the history sync', () =>
      client.events.find((e) => e.name === 'messaging-history.set'),
    );
    const data = history.data as {
      chats: Array<{ id: string }>;
      messages: unknown[];
      contacts: Array<{ id: string; notify?: string }>;
    };
    expect(data.chats).toHaveLength(3);
    expect(data.messages).toHaveLength(12);
    expect(data.chats.map((c) => c.id)).toContain(`${contact.phone}@s.whatsapp.net`);
    // app-state collections come back answered: the client settles instead of re-requesting forever
    await client.sock.resyncAppState(
      ['regular', 'regular_low', 'regular_high', 'critical_block', 'critical_unblock_low'],
      false,
    );
  });
});
