import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimClient } from '../support/sim-client.ts';
import { SimFixture } from '../support/sim-fixture.ts';

type ChatUpdate = {
  id?: string | null;
  archived?: boolean | null;
  pinned?: number | null;
  muteEndTime?: number | null;
};
let fx: SimFixture;
let ann: { client: SimClient; phone: string };
const updates: ChatUpdate[] = [];

async function admin(path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${fx.sim.info.adminUrl}${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  fx = await SimFixture.start();
  ann = await fx.linkedClient({ name: 'Ann' });
  ann.client.sock.ev.on('chats.update', (u) => updates.push(...(u as ChatUpdate[])));
});
afterAll(() => fx.close());

describe('chats changed on the phone', () => {
  it('reach the linked device as app-state patches: archive, pin and mute', async () => {
    const { phone: bob } = fx.api.createContact({ name: 'Bob' });
    const chat = `${bob}@s.whatsapp.net`;
    const told = await admin(`/accounts/${ann.phone}/chats/${encodeURIComponent(chat)}`, {
      archived: true,
      pinned: true,
      muted: true,
    });
    expect(told).toEqual({ status: 200, body: { devices: 1 } });
    const seen = (field: keyof ChatUpdate) =>
      ann.client.waitFor(`chats.update ${field}`, () =>
        updates.find((u) => u.id === chat && u[field] != null),
      );
    expect((await seen('archived')).archived).toBe(true);
    expect(await seen('pinned')).toBeTruthy();
    expect((await seen('muteEndTime')).muteEndTime).toBe(-1);

    fx.api.changeChatOnPhone(ann.phone, chat, { archived: false });
    await ann.client.waitFor('the unarchive', () =>
      updates.find((u) => u.id === chat && u.archived === false),
    );
  });

  it('refuses a change that says nothing, or not with booleans', async () => {
    const chat = encodeURIComponent('15550009999@s.whatsapp.net');
    expect((await admin(`/accounts/${ann.phone}/chats/${chat}`, {})).status).toBe(400);
    expect((await admin(`/accounts/${ann.phone}/chats/${chat}`, { archived: 'yes' })).status).toBe(400);
    expect((await admin(`/accounts/15550000000/chats/${chat}`, { archived: true })).status).toBe(404);
  });
});
