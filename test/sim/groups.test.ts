import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimClient } from '../support/sim-client.ts';
import { SimFixture } from '../support/sim-fixture.ts';

let fx: SimFixture;
const members: Array<{ client: SimClient; phone: string }> = [];
const jid = (phone: string) => `${phone}@s.whatsapp.net`;
const textOf = (m: {
  message?: { conversation?: string | null; extendedTextMessage?: { text?: string | null } | null } | null;
}) => m.message?.conversation ?? m.message?.extendedTextMessage?.text;

beforeAll(async () => {
  fx = await SimFixture.start();
  for (const name of ['Ann', 'Ben', 'Cat']) members.push(await fx.linkedClient({ name }));
});
afterAll(() => fx.close());

describe('groups', () => {
  it('creates a group whose message reaches every member, then a removed member receives nothing more', async () => {
    const [ann, ben, cat] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]];
    const group = await ann.client.sock.groupCreate('Sim Team', [jid(ben.phone), jid(cat.phone)]);
    expect(group.subject).toBe('Sim Team');
    expect(group.participants.map((p) => p.id).sort()).toEqual(
      [ann.phone, ben.phone, cat.phone].map(jid).sort(),
    );

    const meta = await ben.client.sock.groupMetadata(group.id);
    expect(meta.participants.find((p) => p.id === jid(ann.phone))?.admin).toBe('superadmin');
    const participating = await cat.client.sock.groupFetchAllParticipating();
    expect(Object.keys(participating)).toContain(group.id);

    const first = await ann.client.sock.sendMessage(group.id, { text: 'hello team' });
    for (const m of [ben, cat]) {
      const got = await m.client.waitForMessage(
        (x) => x.key.id === first?.key.id,
        `the group message at ${m.phone}`,
      );
      expect(textOf(got)).toBe('hello team');
      expect(got.key.remoteJid).toBe(group.id);
      expect(got.key.participant).toBe(jid(ann.phone));
    }
    const answer = await ben.client.sock.sendMessage(group.id, { text: 'hi ann' });
    const gotAnswer = await ann.client.waitForMessage((x) => x.key.id === answer?.key.id);
    expect(textOf(gotAnswer)).toBe('hi ann');

    const removed = await ann.client.sock.groupParticipantsUpdate(group.id, [jid(cat.phone)], 'remove');
    expect(removed).toEqual([expect.objectContaining({ status: '200', jid: jid(cat.phone) })]);
    await cat.client.waitFor('the removal notice', () =>
      cat.client.events.find(
        (e) => e.name === 'group-participants.update' && JSON.stringify(e.data).includes('remove'),
      ),
    );
    const after = await ann.client.sock.sendMessage(group.id, { text: 'cat is gone' });
    await ben.client.waitForMessage((x) => x.key.id === after?.key.id);
    await new Promise((r) => setTimeout(r, 500));
    expect(cat.client.received.some((x) => x.key.id === after?.key.id)).toBe(false);
  });

  it('adds, promotes and demotes members, with notices to the group', async () => {
    const [ann, ben, cat] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]];
    const group = await ann.client.sock.groupCreate('Admins', [jid(ben.phone)]);
    const added = await ann.client.sock.groupParticipantsUpdate(group.id, [jid(cat.phone)], 'add');
    expect(added[0]?.status).toBe('200');
    const again = await ann.client.sock.groupParticipantsUpdate(group.id, [jid(cat.phone)], 'add');
    expect(again[0]?.status).toBe('409');
    await ann.client.sock.groupParticipantsUpdate(group.id, [jid(ben.phone)], 'promote');
    let meta = await cat.client.sock.groupMetadata(group.id);
    expect(meta.participants.find((p) => p.id === jid(ben.phone))?.admin).toBe('admin');
    await ann.client.sock.groupParticipantsUpdate(group.id, [jid(ben.phone)], 'demote');
    meta = await cat.client.sock.groupMetadata(group.id);
    expect(meta.participants.find((p) => p.id === jid(ben.phone))?.admin ?? null).toBeNull();
    await ben.client.waitFor('the promote notice', () =>
      ben.client.events.find(
        (e) => e.name === 'group-participants.update' && JSON.stringify(e.data).includes('promote'),
      ),
    );
    const msg = await cat.client.sock.sendMessage(group.id, { text: 'glad to be here' });
    for (const m of [ann, ben]) await m.client.waitForMessage((x) => x.key.id === msg?.key.id);
  });
});
