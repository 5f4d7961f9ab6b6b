import type { BaileysEventMap } from 'baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JoinRequestState } from '../../sim/group-admin-api.ts';
import type { SimClient } from '../support/sim-client.ts';
import { SimFixture } from '../support/sim-fixture.ts';

type Member = { client: SimClient; phone: string };
type JoinRequestEvent = BaileysEventMap['group.join-request'];
let fx: SimFixture;
let ann: Member;
let ben: Member;
let cat: Member;
const joinRequests: JoinRequestEvent[] = [];
const jid = (phone: string) => `${phone}@s.whatsapp.net`;

const participantsUpdate = (m: Member, groupJid: string, action: string, who: string) =>
  m.client.waitFor(`${action} of ${who} at ${m.phone}`, () =>
    m.client.events.find((e) => {
      if (e.name !== 'group-participants.update') return false;
      const d = e.data as { id: string; action: string; participants: unknown[] };
      return d.id === groupJid && d.action === action && JSON.stringify(d.participants).includes(who);
    }),
  );

const joinRequest = (groupJid: string, action: string, phone: string) =>
  ann.client.waitFor(`group.join-request ${action} of ${phone}`, () =>
    joinRequests.find((r) => r.id === groupJid && r.action === action && r.participantPn === jid(phone)),
  );

/** One admin API call over real HTTP. */
async function admin<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${fx.sim.info.adminUrl}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** A new group of Ann's with join approval on, and its invite code. */
async function approvalGroup(subject: string): Promise<{ id: string; code: string }> {
  const g = await ann.client.sock.groupCreate(subject, []);
  await ann.client.sock.groupJoinApprovalMode(g.id, 'on');
  const code = await ann.client.sock.groupInviteCode(g.id);
  if (!code) throw new Error('no invite code');
  return { id: g.id, code };
}

beforeAll(async () => {
  fx = await SimFixture.start();
  ann = await fx.linkedClient({ name: 'Ann' });
  ben = await fx.linkedClient({ name: 'Ben' });
  cat = await fx.linkedClient({ name: 'Cat' });
  ann.client.sock.ev.on('group.join-request', (r) => joinRequests.push(r));
});
afterAll(() => fx.close());

describe('join requests while join approval is on', () => {
  it('makes a join by link a request the admin lists, is told of, and approves into a member', async () => {
    const g = await approvalGroup('By approval');
    const joined = await ben.client.sock.groupAcceptInvite(g.code);
    // WhatsApp answers a join that waits for approval without a group
    expect(joined).toBeUndefined();
    expect(fx.api.groups.state(g.id).participants.map((p) => p.phone)).toEqual([ann.phone]);
    const told = await joinRequest(g.id, 'created', ben.phone);
    expect(told.method).toBe('invite_link');
    expect(told.participant).toMatch(/@lid$/);

    const listed = await ann.client.sock.groupRequestParticipantsList(g.id);
    expect(listed).toEqual([
      expect.objectContaining({
        jid: jid(ben.phone),
        phone_number: jid(ben.phone),
        request_method: 'invite_link',
      }),
    ]);
    expect(fx.api.groups.requests(g.id).map((r) => r.phone)).toEqual([ben.phone]);
    // asking twice keeps one request
    await ben.client.sock.groupAcceptInvite(g.code);
    expect(await ann.client.sock.groupRequestParticipantsList(g.id)).toHaveLength(1);

    const approved = await ann.client.sock.groupRequestParticipantsUpdate(g.id, [jid(ben.phone)], 'approve');
    expect(approved).toEqual([{ status: '200', jid: jid(ben.phone) }]);
    await participantsUpdate(ann, g.id, 'add', ben.phone);
    await ben.client.waitFor('the group at Ben', () =>
      ben.client.events.find((e) => e.name === 'groups.upsert' && JSON.stringify(e.data).includes(g.id)),
    );
    expect(await ann.client.sock.groupRequestParticipantsList(g.id)).toEqual([]);
    const meta = await ben.client.sock.groupMetadata(g.id);
    expect(meta.participants.map((p) => p.id).sort()).toEqual([jid(ann.phone), jid(ben.phone)].sort());
    const text = await ben.client.sock.sendMessage(g.id, { text: 'thanks for letting me in' });
    await ann.client.waitForMessage((m) => m.key.id === text?.key.id, 'the new member’s text');
  });

  it('drops a rejected request, refuses the list to a non-admin and answers 404 for no request', async () => {
    const g = await approvalGroup('Strict door');
    await ann.client.sock.groupParticipantsUpdate(g.id, [jid(ben.phone)], 'add');
    await cat.client.sock.groupAcceptInvite(g.code);
    await joinRequest(g.id, 'created', cat.phone);
    await expect(ben.client.sock.groupRequestParticipantsList(g.id)).rejects.toThrow();

    const rejected = await ann.client.sock.groupRequestParticipantsUpdate(g.id, [jid(cat.phone)], 'reject');
    expect(rejected).toEqual([{ status: '200', jid: jid(cat.phone) }]);
    await joinRequest(g.id, 'rejected', cat.phone);
    expect(await ann.client.sock.groupRequestParticipantsList(g.id)).toEqual([]);
    expect(fx.api.groups.state(g.id).participants.map((p) => p.phone)).not.toContain(cat.phone);
    const again = await ann.client.sock.groupRequestParticipantsUpdate(g.id, [jid(cat.phone)], 'approve');
    expect(again).toEqual([{ status: '404', jid: jid(cat.phone) }]);
  });

  it('lets the admin API make a contact ask, list the requests and decide as an admin', async () => {
    const g = await approvalGroup('Driven');
    const { phone: zoe } = fx.api.createContact({ name: 'Zoe' });
    const asked = await admin<{ participants: unknown[]; requests: JoinRequestState[] }>(
      'POST',
      `/contacts/${zoe}/groups/join`,
      { code: g.code },
    );
    expect(asked.status).toBe(200);
    expect(asked.body.requests).toEqual([expect.objectContaining({ phone: zoe, method: 'invite_link' })]);
    await joinRequest(g.id, 'created', zoe);
    const listed = await admin<JoinRequestState[]>('GET', `/groups/${encodeURIComponent(g.id)}/requests`);
    expect(listed.body.map((r) => r.phone)).toEqual([zoe]);

    const notAdmin = await admin('POST', `/groups/${encodeURIComponent(g.id)}/requests`, {
      as: zoe,
      action: 'approve',
      participants: [zoe],
    });
    expect(notAdmin.status).toBe(403);
    const badAction = await admin('POST', `/groups/${encodeURIComponent(g.id)}/requests`, {
      as: ann.phone,
      action: 'maybe',
      participants: [zoe],
    });
    expect(badAction.status).toBe(400);
    const decided = await admin('POST', `/groups/${encodeURIComponent(g.id)}/requests`, {
      as: ann.phone,
      action: 'approve',
      participants: [zoe],
    });
    expect(decided.body).toEqual([{ phone: zoe, status: '200' }]);
    await participantsUpdate(ann, g.id, 'add', zoe);
    expect(fx.api.groups.state(g.id)).toMatchObject({ requests: [] });
    expect(fx.api.groups.state(g.id).participants.map((p) => p.phone)).toContain(zoe);
  });
});
