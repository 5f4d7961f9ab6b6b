import type { WACallEvent } from 'baileys';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimClient } from '../support/sim-client.ts';
import { SimFixture } from '../support/sim-fixture.ts';

type Member = { client: SimClient; phone: string };
let fx: SimFixture;
let ann: Member;
let ben: Member;
let cat: Member;
const jid = (phone: string) => `${phone}@s.whatsapp.net`;

/** The first `groups.update` a client saw for `groupJid` carrying `field`. */
const groupUpdate = (m: Member, groupJid: string, field: string) =>
  m.client.waitFor(`groups.update with ${field} at ${m.phone}`, () =>
    m.client.events
      .filter((e) => e.name === 'groups.update')
      .flatMap((e) => e.data as Array<Record<string, unknown>>)
      .find((u) => u.id === groupJid && field in u),
  );

const participantsUpdate = (m: Member, groupJid: string, action: string, who: string) =>
  m.client.waitFor(`${action} of ${who} at ${m.phone}`, () =>
    m.client.events.find((e) => {
      if (e.name !== 'group-participants.update') return false;
      const d = e.data as { id: string; action: string; participants: unknown[] };
      return d.id === groupJid && d.action === action && JSON.stringify(d.participants).includes(who);
    }),
  );

beforeAll(async () => {
  fx = await SimFixture.start();
  ann = await fx.linkedClient({ name: 'Ann' });
  ben = await fx.linkedClient({ name: 'Ben' });
  cat = await fx.linkedClient({ name: 'Cat' });
});
afterAll(() => fx.close());

describe('group settings', () => {
  it('changes description, announcement, lock, disappearing timer and join approval, seen by members', async () => {
    const g = await ann.client.sock.groupCreate('Settings', [jid(ben.phone)]);
    await ann.client.sock.groupUpdateDescription(g.id, 'rules: be kind');
    expect((await groupUpdate(ben, g.id, 'desc')).desc).toBe('rules: be kind');
    await ann.client.sock.groupSettingUpdate(g.id, 'announcement');
    expect((await groupUpdate(ben, g.id, 'announce')).announce).toBe(true);
    await ann.client.sock.groupSettingUpdate(g.id, 'locked');
    expect((await groupUpdate(ben, g.id, 'restrict')).restrict).toBe(true);
    await ann.client.sock.groupToggleEphemeral(g.id, 86_400);
    await ann.client.sock.groupJoinApprovalMode(g.id, 'on');
    expect((await groupUpdate(ben, g.id, 'joinApprovalMode')).joinApprovalMode).toBe(true);

    const meta = await ben.client.sock.groupMetadata(g.id);
    expect(meta).toMatchObject({
      desc: 'rules: be kind',
      announce: true,
      restrict: true,
      ephemeralDuration: 86_400,
      joinApprovalMode: true,
    });
    expect(fx.api.groups.state(g.id)).toMatchObject({ announce: true, locked: true, ephemeral: 86_400 });
  });

  it('refuses settings and member changes from a member who is not an admin, and their messages in announcement mode', async () => {
    const g = await ann.client.sock.groupCreate('Admins only', [jid(ben.phone)]);
    await expect(ben.client.sock.groupSettingUpdate(g.id, 'announcement')).rejects.toThrow();
    await expect(ben.client.sock.groupParticipantsUpdate(g.id, [jid(cat.phone)], 'add')).rejects.toThrow();
    // unlocked: any member may change the subject
    await ben.client.sock.groupUpdateSubject(g.id, 'Renamed by Ben');
    expect((await groupUpdate(ann, g.id, 'subject')).subject).toBe('Renamed by Ben');
    await ann.client.sock.groupSettingUpdate(g.id, 'announcement');
    await groupUpdate(ben, g.id, 'announce');
    const refused = await ben.client.sock.sendMessage(g.id, { text: 'may I?' });
    await ben.client.waitFor('the refusing ack', () =>
      ben.client.acks.find((a) => a.id === refused?.key.id && a.error === '403'),
    );
  });

  it('sets a group picture whose URL members can read', async () => {
    const g = await ann.client.sock.groupCreate('Pictured', [jid(ben.phone)]);
    await expect(ben.client.sock.profilePictureUrl(g.id, 'image')).rejects.toThrow();
    const png = await sharp({
      create: { width: 64, height: 64, channels: 3, background: { r: 200, g: 30, b: 30 } },
    })
      .png()
      .toBuffer();
    await ann.client.sock.updateProfilePicture(g.id, png);
    const url = await ben.client.sock.profilePictureUrl(g.id, 'image');
    expect(url).toBe(fx.api.groups.state(g.id).pictureUrl);
    const res = await fetch(url ?? '', { dispatcher: ben.client.dispatcher } as RequestInit);
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
  });
});

describe('invite links', () => {
  it('joins by code, revokes the old code, and leaves', async () => {
    const g = await ann.client.sock.groupCreate('Invites', [jid(ben.phone)]);
    const code = await ann.client.sock.groupInviteCode(g.id);
    expect(code).toBe(fx.api.groups.state(g.id).inviteCode);
    await expect(ben.client.sock.groupInviteCode(g.id)).rejects.toThrow();
    const info = await cat.client.sock.groupGetInviteInfo(code ?? '');
    expect(info.subject).toBe('Invites');
    expect(await cat.client.sock.groupAcceptInvite(code ?? '')).toBe(g.id);
    await participantsUpdate(ann, g.id, 'add', cat.phone);
    await cat.client.waitFor('the group at the joiner', () =>
      cat.client.events.find((e) => e.name === 'groups.upsert' && JSON.stringify(e.data).includes(g.id)),
    );
    const next = await ann.client.sock.groupRevokeInvite(g.id);
    expect(next).not.toBe(code);
    expect((await groupUpdate(ben, g.id, 'inviteCode')).inviteCode).toBe(next);
    await cat.client.sock.groupLeave(g.id);
    await participantsUpdate(ann, g.id, 'remove', cat.phone);
    const left = fx.api.groups.state(g.id).participants.map((p) => p.phone);
    expect(left.sort()).toEqual([ann.phone, ben.phone].sort());
    await expect(cat.client.sock.groupAcceptInvite(code ?? '')).rejects.toThrow();
  });
});

describe('changes made on the server side', () => {
  it('lets a phone without a linked client join by code and another admin change the group', async () => {
    const g = await ann.client.sock.groupCreate('Server side', [jid(ben.phone)]);
    const { phone: dan } = fx.api.createAccount({ name: 'Dan' });
    const joined = fx.api.groups.join(dan, fx.api.groups.state(g.id).inviteCode);
    expect(joined.participants.map((p) => p.phone)).toContain(dan);
    await participantsUpdate(ben, g.id, 'add', dan);
    expect(() => fx.api.groups.participants(g.id, dan, 'promote', [ben.phone])).toThrow(/not an admin/);
    fx.api.groups.participants(g.id, ann.phone, 'promote', [dan]);
    await participantsUpdate(ben, g.id, 'promote', dan);
    // Baileys keeps the first groups.update of a group per event buffer: one change at a time
    fx.api.groups.update(g.id, dan, { subject: 'Renamed by Dan' });
    expect((await groupUpdate(ann, g.id, 'subject')).subject).toBe('Renamed by Dan');
    await groupUpdate(ben, g.id, 'subject');
    const state = fx.api.groups.update(g.id, dan, { locked: true });
    expect(state.locked).toBe(true);
    expect((await groupUpdate(ben, g.id, 'restrict')).restrict).toBe(true);
    const outcome = fx.api.groups.participants(g.id, dan, 'remove', [ben.phone, '15550009999']);
    expect(outcome).toEqual([
      { phone: ben.phone, status: '200' },
      { phone: '15550009999', status: '404' },
    ]);
    await participantsUpdate(ben, g.id, 'remove', ben.phone);
  });
});

describe('contacts in groups', () => {
  it('gives contact members the group messages and notices, and lets a contact join by invite', async () => {
    const { phone: zoe } = fx.api.createContact({ name: 'Zoe' });
    const g = await ann.client.sock.groupCreate('With contacts', [jid(ben.phone), jid(zoe)]);
    expect(g.participants.map((p) => p.id)).toContain(jid(zoe));
    const inboxOf = (contact: string, id: string | null | undefined) =>
      ann.client.waitFor(`${id} at ${contact}`, () =>
        fx.api.contactInbox(contact).find((m) => m.id === id && m.chat === g.id),
      );
    const first = await ann.client.sock.sendMessage(g.id, { text: 'hello zoe' });
    expect((await inboxOf(zoe, first?.key.id)).content).toMatchObject({ text: 'hello zoe' });
    const second = await ann.client.sock.sendMessage(g.id, { text: 'and again' });
    expect((await inboxOf(zoe, second?.key.id)).content).toMatchObject({ text: 'and again' });
    const fromBen = await ben.client.sock.sendMessage(g.id, { text: 'ben here' });
    expect((await inboxOf(zoe, fromBen?.key.id)).from).toBe(ben.phone);

    await ann.client.sock.groupParticipantsUpdate(g.id, [jid(zoe)], 'promote');
    expect(fx.api.groups.contactNotices(zoe)).toContainEqual(
      expect.objectContaining({ group: g.id, action: 'promote', participants: [jid(zoe)] }),
    );
    const { phone: yan } = fx.api.createContact({ name: 'Yan' });
    fx.api.groups.join(yan, fx.api.groups.state(g.id).inviteCode);
    await participantsUpdate(ann, g.id, 'add', yan);
    const welcome = await ann.client.sock.sendMessage(g.id, { text: 'welcome yan' });
    expect((await inboxOf(yan, welcome?.key.id)).content).toMatchObject({ text: 'welcome yan' });
  });
});

describe('calls', () => {
  it('rings every linked device with an offer and records the reject', async () => {
    const calls: WACallEvent[] = [];
    ann.client.sock.ev.on('call', (c) => calls.push(...c));
    const { phone: caller } = fx.api.createContact({ name: 'Caller' });
    const offered = fx.api.groups.call(caller, ann.phone, true);
    const offer = await ann.client.waitFor('the call offer', () =>
      calls.find((c) => c.id === offered.callId && c.status === 'offer'),
    );
    expect(offer).toMatchObject({ from: jid(caller), isVideo: true, isGroup: false });
    await ann.client.sock.rejectCall(offer.id, offer.from);
    expect(fx.api.groups.calls(caller)).toEqual([
      expect.objectContaining({ callId: offered.callId, status: 'rejected', to: ann.phone }),
    ]);
  });
});
