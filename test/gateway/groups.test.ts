import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupState } from '../../sim/group-admin-api.ts';
import type { RunningSimulator } from '../../sim/simulator.ts';
import type { ApiClient } from '../support/http-client.ts';
import { eventually, SseReader } from '../support/http-client.ts';
import { type LinkedGateway, startLinkedGateway } from '../support/linked-gateway.ts';
import { SimClient } from '../support/sim-client.ts';

type Participant = { jid: string; phone: string | null; lid: string | null; role: string };
type Group = {
  jid: string;
  subject: string;
  description: string | null;
  announce: boolean;
  locked: boolean;
  ephemeral: number;
  joinApproval: boolean;
  participants: Participant[];
};
type Member = { client: SimClient; phone: string };
type GroupEvent = {
  groupJid: string;
  action: string;
  participants: string[];
  author: string | null;
  changes?: Record<string, unknown>;
};

let linked: LinkedGateway | undefined;
let sim: RunningSimulator;
let api: ApiClient;
let phone: string;
let sse: SseReader;
const members: Member[] = [];
const jid = (p: string) => `${p}@s.whatsapp.net`;
const base = '/api/v1/instances/crew';

async function linkedMember(name: string): Promise<Member> {
  const { phone: memberPhone } = sim.api.createAccount({ name });
  const client = new SimClient(sim.info, { name }).connect();
  const qr = await client.waitForQr();
  sim.api.linkQr(memberPhone, qr);
  await client.waitForOpen(1);
  return { client, phone: memberPhone };
}

const groupEvent = (match: (g: GroupEvent) => boolean, what: string) =>
  eventually(what, () =>
    sse.events
      .filter((e) => e.event === 'group.update')
      .map((e) => e.data.data as GroupEvent)
      .find(match),
  );

const participantsNotice = (m: Member, groupJid: string, action: string, who: string) =>
  m.client.waitFor(`${action} of ${who} at ${m.phone}`, () =>
    m.client.events.find((e) => {
      if (e.name !== 'group-participants.update') return false;
      const d = e.data as { id: string; action: string; participants: unknown[] };
      return d.id === groupJid && d.action === action && JSON.stringify(d.participants).includes(who);
    }),
  );

const groupSeen = (m: Member, groupJid: string) =>
  m.client.waitFor(`the group at ${m.phone}`, () =>
    m.client.events.find((e) => e.name === 'groups.upsert' && JSON.stringify(e.data).includes(groupJid)),
  );

const roleOf = (g: Group, p: string) => g.participants.find((x) => x.phone === p)?.role;

beforeAll(async () => {
  linked = await startLinkedGateway({ name: 'crew' });
  ({ sim, phone, api } = linked);
  sse = new SseReader(`${api.baseUrl}${base}/events`, api.key ?? '');
  for (const name of ['Ben', 'Cat', 'Dan']) members.push(await linkedMember(name));
});
afterAll(async () => {
  sse?.close();
  for (const m of members) m.client.end();
  await linked?.close();
});

describe('groups through the API', () => {
  it('creates a group its members see, and sends them its messages', async () => {
    const [ben, cat] = members as [Member, Member];
    const created = await api.post<Group>(`${base}/groups`, {
      subject: 'Crew',
      participants: [ben.phone, `+${cat.phone}`],
    });
    expect(created.status).toBe(201);
    const g = created.body;
    expect(g.jid).toMatch(/@g\.us$/);
    expect(roleOf(g, phone)).toBe('superadmin');
    expect(g.participants.map((p) => p.phone).sort()).toEqual([phone, ben.phone, cat.phone].sort());
    expect(g.participants.every((p) => p.lid?.endsWith('@lid'))).toBe(true);
    for (const m of [ben, cat]) await groupSeen(m, g.jid);
    const list = await api.get<{ items: Array<{ jid: string; isAdmin: boolean; size: number }> }>(
      `${base}/groups`,
    );
    expect(list.body.items).toContainEqual({ jid: g.jid, subject: 'Crew', size: 3, isAdmin: true });

    const sent = await api.post<{ waMessageId: string }>(`${base}/messages?wait=sent`, {
      to: g.jid,
      type: 'text',
      text: 'welcome aboard',
    });
    expect(sent.status).toBeLessThan(300);
    for (const m of [ben, cat]) {
      const got = await m.client.waitForMessage(
        (x) => x.key.id === sent.body.waMessageId,
        `the group text at ${m.phone}`,
      );
      expect(got.key.remoteJid).toBe(g.jid);
      expect(got.message?.conversation ?? got.message?.extendedTextMessage?.text).toBe('welcome aboard');
    }
  });

  it('adds, promotes, demotes and removes a participant, each seen by them and reflected by GET', async () => {
    const [ben, , dan] = members as [Member, Member, Member];
    const g = (await api.post<Group>(`${base}/groups`, { subject: 'Rotation', participants: [ben.phone] }))
      .body;
    const path = `${base}/groups/${encodeURIComponent(g.jid)}`;
    const steps: Array<[string, string, string | undefined]> = [
      ['add', 'added', 'member'],
      ['promote', 'promoted', 'admin'],
      ['demote', 'demoted', 'member'],
      ['remove', 'removed', undefined],
    ];
    for (const [action, result, role] of steps) {
      const res = await api.post<{ results: Array<{ jid: string; result: string }> }>(
        `${path}/participants`,
        {
          action,
          participants: [dan.phone],
        },
      );
      expect(res.status).toBe(200);
      expect(res.body.results).toEqual([{ jid: jid(dan.phone), result, code: '200' }]);
      // the one added is shown the group itself; the others (and later changes) as participant notices
      if (action === 'add') await groupSeen(dan, g.jid);
      else await participantsNotice(dan, g.jid, action, dan.phone);
      await groupEvent(
        (e) => e.groupJid === g.jid && e.action === action && e.participants.includes(jid(dan.phone)),
        `group.update ${action}`,
      );
      const now = (await api.get<Group>(path)).body;
      expect(roleOf(now, dan.phone)).toBe(role);
    }
    const unknown = await api.post<{ results: Array<{ result: string }> }>(`${path}/participants`, {
      action: 'add',
      participants: ['15559990000'],
    });
    expect(unknown.body.results).toEqual([
      { jid: jid('15559990000'), result: 'not_on_whatsapp', code: '404' },
    ]);
  });

  it('changes the settings, and reports a change made by another admin', async () => {
    const [ben] = members as [Member];
    const g = (await api.post<Group>(`${base}/groups`, { subject: 'Settings', participants: [ben.phone] }))
      .body;
    const path = `${base}/groups/${encodeURIComponent(g.jid)}`;
    const patched = await api.patch<Group>(path, {
      subject: 'Settings v2',
      description: 'read the pinned note',
      announce: true,
      locked: true,
      ephemeral: 86_400,
      joinApproval: true,
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      subject: 'Settings v2',
      description: 'read the pinned note',
      announce: true,
      locked: true,
      ephemeral: 86_400,
      joinApproval: true,
    });
    expect(sim.api.groups.state(g.jid)).toMatchObject({
      subject: 'Settings v2',
      announce: true,
      ephemeral: 86_400,
    });
    for (const action of ['subject', 'description', 'announce', 'locked', 'ephemeral', 'join_approval'])
      await groupEvent((e) => e.groupJid === g.jid && e.action === action, `group.update ${action}`);
    const meta = await ben.client.sock.groupMetadata(g.jid);
    expect(meta).toMatchObject({ subject: 'Settings v2', announce: true, restrict: true });

    sim.api.groups.participants(g.jid, phone, 'promote', [ben.phone]);
    sim.api.groups.update(g.jid, ben.phone, { announce: false });
    const byBen = await groupEvent(
      (e) => e.groupJid === g.jid && e.action === 'announce' && e.changes?.announce === false,
      'the change by Ben',
    );
    expect(byBen.author).toBe(jid(ben.phone));
    expect((await api.get<Group>(path)).body.announce).toBe(false);
  });

  it('shares an invite link a member joins by, revokes it, and sets a picture', async () => {
    const g = (
      await api.post<Group>(`${base}/groups`, {
        subject: 'Open door',
        participants: [members[0]?.phone ?? ''],
      })
    ).body;
    const path = `${base}/groups/${encodeURIComponent(g.jid)}`;
    const invite = await api.get<{ code: string; link: string }>(`${path}/invite`);
    expect(invite.body.link).toBe(`https://chat.whatsapp.com/${invite.body.code}`);
    const { phone: eve } = sim.api.createAccount({ name: 'Eve' });
    const joined: GroupState = sim.api.groups.join(eve, invite.body.code);
    expect(joined.id).toBe(g.jid);
    await groupEvent(
      (e) => e.groupJid === g.jid && e.action === 'add' && e.participants.includes(jid(eve)),
      'the join',
    );
    expect(roleOf((await api.get<Group>(path)).body, eve)).toBe('member');

    const revoked = await api.delete<{ code: string }>(`${path}/invite`);
    expect(revoked.body.code).not.toBe(invite.body.code);
    const { phone: fay } = sim.api.createAccount({ name: 'Fay' });
    expect(() => sim.api.groups.join(fay, invite.body.code)).toThrow(/no group/);

    expect((await api.get<{ url: string | null }>(`${path}/picture`)).body.url).toBeNull();
    const png = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#3366ff' } })
      .png()
      .toBuffer();
    const set = await api.request<{ url: string }>('PUT', `${path}/picture`, {
      image: png.toString('base64'),
    });
    expect(set.status).toBe(200);
    expect(set.body.url).toBe(sim.api.groups.state(g.jid).pictureUrl);
    await groupEvent((e) => e.groupJid === g.jid && e.action === 'picture', 'group.update picture');
    const notImage = await api.request<{ error: { code: string } }>('PUT', `${path}/picture`, {
      image: Buffer.from('hello, not an image').toString('base64'),
    });
    expect(notImage.status).toBe(400);
    expect(notImage.body.error.code).toBe('ZG_ERR_INVALID_MEDIA');
    const notBase64 = await api.request<{ error: { code: string } }>('PUT', `${path}/picture`, {
      image: 'no way!',
    });
    expect(notBase64.body.error.code).toBe('ZG_ERR_INVALID_MEDIA');
  });

  it('joins by link and leaves', async () => {
    const [ben] = members as [Member];
    const theirs = await ben.client.sock.groupCreate('Ben’s club', []);
    const code = await ben.client.sock.groupInviteCode(theirs.id);
    const joined = await api.post<{ jid: string }>(`${base}/groups/join`, {
      code: `https://chat.whatsapp.com/${code}`,
    });
    expect(joined.body).toEqual({ jid: theirs.id });
    await participantsNotice(ben, theirs.id, 'add', phone);
    const left = await api.post(`${base}/groups/${encodeURIComponent(theirs.id)}/leave`);
    expect(left.status).toBe(200);
    await participantsNotice(ben, theirs.id, 'remove', phone);
    expect(sim.api.groups.state(theirs.id).participants.map((p) => p.phone)).toEqual([ben.phone]);
  });

  it('has simulated contacts as members: they receive the group text, and one joins by the link', async () => {
    const { phone: zoe } = sim.api.createContact({ name: 'Zoe' });
    const g = (await api.post<Group>(`${base}/groups`, { subject: 'Customers', participants: [zoe] })).body;
    expect(g.participants.map((p) => p.phone)).toContain(zoe);
    const sent = await api.post<{ waMessageId: string }>(`${base}/messages?wait=sent`, {
      to: g.jid,
      type: 'text',
      text: 'thanks for joining',
    });
    const got = await eventually('the group text at the contact', () =>
      sim.api.contactInbox(zoe).find((m) => m.id === sent.body.waMessageId),
    );
    expect(got).toMatchObject({ chat: g.jid, from: phone, content: { text: 'thanks for joining' } });
    const path = `${base}/groups/${encodeURIComponent(g.jid)}`;
    const { code } = (await api.get<{ code: string }>(`${path}/invite`)).body;
    const { phone: yan } = sim.api.createContact({ name: 'Yan' });
    sim.api.groups.join(yan, code);
    await groupEvent(
      (e) => e.groupJid === g.jid && e.action === 'add' && e.participants.includes(jid(yan)),
      'Yan joining',
    );
    expect(roleOf((await api.get<Group>(path)).body, yan)).toBe('member');
    expect(sim.api.groups.contactNotices(zoe)).toContainEqual(
      expect.objectContaining({ action: 'add', group: g.jid }),
    );
  });

  it('answers bad jids, participants and codes with coded 400s, and 409 for an instance not connected', async () => {
    const bad = await api.post<{ error: { code: string } }>(`${base}/groups`, {
      subject: 'x',
      participants: ['not a phone'],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('ZG_ERR_INVALID_PARTICIPANT');
    const jidBad = await api.get<{ error: { code: string } }>(`${base}/groups/hello`);
    expect(jidBad.status).toBe(400);
    expect(jidBad.body.error.code).toBe('ZG_ERR_INVALID_GROUP_JID');
    const codeBad = await api.post<{ error: { code: string } }>(`${base}/groups/join`, {
      code: 'no spaces allowed',
    });
    expect(codeBad.body.error.code).toBe('ZG_ERR_INVALID_INVITE');
    const missing = await api.get<{ error: { code: string } }>(`${base}/groups/120363000000000000@g.us`);
    expect(missing.status).toBe(404);
    const badAction = await api.post(`${base}/groups/120363000000000000@g.us/participants`, {
      action: 'kick',
      participants: ['15550001111'],
    });
    expect(badAction.status).toBe(400);

    const idle = await api.post<{ id: string }>('/api/v1/instances', { name: 'idle-groups' });
    const notConnected = await api.get<{ error: { code: string } }>(
      `/api/v1/instances/${idle.body.id}/groups`,
    );
    expect(notConnected.status).toBe(409);
    expect(notConnected.body.error.code).toBe('ZG_ERR_NOT_CONNECTED');
  });
});
