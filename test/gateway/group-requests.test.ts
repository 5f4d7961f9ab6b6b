import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../sim/simulator.ts';
import type { ApiClient } from '../support/http-client.ts';
import { eventually, SseReader } from '../support/http-client.ts';
import { type LinkedGateway, startLinkedGateway } from '../support/linked-gateway.ts';

type Group = {
  jid: string;
  joinApproval: boolean;
  participants: Array<{ phone: string | null; role: string }>;
};
type JoinRequest = {
  jid: string;
  phone: string | null;
  lid: string | null;
  method: string | null;
  requestedAt: string | null;
};
type Outcome = { jid: string; result: string; code: string };
type GroupEvent = {
  groupJid: string;
  action: string;
  participants: string[];
  changes?: Record<string, unknown>;
};

let linked: LinkedGateway | undefined;
let sim: RunningSimulator;
let api: ApiClient;
let sse: SseReader;
let group: Group;
let groupPath: string;
let inviteCode: string;
const base = '/api/v1/instances/doorman';
const jid = (p: string) => `${p}@s.whatsapp.net`;

const groupEvent = (match: (g: GroupEvent) => boolean, what: string) =>
  eventually(what, () =>
    sse.events
      .filter((e) => e.event === 'group.update')
      .map((e) => e.data.data as GroupEvent)
      .find(match),
  );

/** A new simulated phone follows the invite link; the gateway hears of the request. */
async function requestToJoin(name: string): Promise<string> {
  const { phone } = sim.api.createAccount({ name });
  const state = sim.api.groups.join(phone, inviteCode);
  expect(state.requests.map((r) => r.phone)).toContain(phone);
  expect(state.participants.map((p) => p.phone)).not.toContain(phone);
  const told = await groupEvent(
    (e) => e.groupJid === group.jid && e.action === 'join_request' && e.participants.includes(jid(phone)),
    `the join_request of ${name}`,
  );
  expect(told.changes).toEqual({ method: 'invite_link' });
  return phone;
}

const requests = async () =>
  (await api.get<{ items: JoinRequest[]; nextCursor: null }>(`${groupPath}/requests`)).body;
const members = async () => (await api.get<Group>(groupPath)).body.participants.map((p) => p.phone);

beforeAll(async () => {
  linked = await startLinkedGateway({ name: 'doorman' });
  ({ sim, api } = linked);
  sse = new SseReader(`${api.baseUrl}${base}/events`, api.key ?? '');
  const { phone: zoe } = sim.api.createContact({ name: 'Zoe' });
  group = (await api.post<Group>(`${base}/groups`, { subject: 'Members only', participants: [zoe] })).body;
  groupPath = `${base}/groups/${encodeURIComponent(group.jid)}`;
  const patched = await api.patch<Group>(groupPath, { joinApproval: true });
  expect(patched.body.joinApproval).toBe(true);
  inviteCode = (await api.get<{ code: string }>(`${groupPath}/invite`)).body.code;
});
afterAll(async () => {
  sse?.close();
  await linked?.close();
});

describe('requests to join a group that admits by approval', () => {
  it('lists a request made by invite link, with the phone beside the lid, and approves it into a member', async () => {
    const eve = await requestToJoin('Eve');
    const listed = await requests();
    expect(listed).toEqual({
      items: [
        {
          jid: jid(eve),
          phone: eve,
          lid: expect.stringMatching(/^\d+@lid$/),
          method: 'invite_link',
          requestedAt: expect.any(String),
        },
      ],
      nextCursor: null,
    });
    expect(await members()).not.toContain(eve);

    const approved = await api.post<{ results: Outcome[] }>(`${groupPath}/requests`, {
      action: 'approve',
      participants: [eve],
    });
    expect(approved.status).toBe(200);
    expect(approved.body.results).toEqual([{ jid: jid(eve), result: 'approved', code: '200' }]);
    expect(sim.api.groups.state(group.jid).participants.map((p) => p.phone)).toContain(eve);
    await groupEvent(
      (e) => e.groupJid === group.jid && e.action === 'add' && e.participants.includes(jid(eve)),
      'the add of Eve',
    );
    expect(await members()).toContain(eve);
    expect((await requests()).items).toEqual([]);
  });

  it('rejects a request: no member, no request left, and a second decision finds none', async () => {
    const fay = await requestToJoin('Fay');
    const rejected = await api.post<{ results: Outcome[] }>(`${groupPath}/requests`, {
      action: 'reject',
      participants: [`+${fay}`],
    });
    expect(rejected.body.results).toEqual([{ jid: jid(fay), result: 'rejected', code: '200' }]);
    await groupEvent(
      (e) =>
        e.groupJid === group.jid && e.action === 'join_request_revoked' && e.participants.includes(jid(fay)),
      'the rejection',
    );
    expect(sim.api.groups.state(group.jid)).toMatchObject({ requests: [] });
    expect(sim.api.groups.state(group.jid).participants.map((p) => p.phone)).not.toContain(fay);
    expect(await members()).not.toContain(fay);
    expect((await requests()).items).toEqual([]);
    const again = await api.post<{ results: Outcome[] }>(`${groupPath}/requests`, {
      action: 'approve',
      participants: [fay],
    });
    expect(again.body.results).toEqual([{ jid: jid(fay), result: 'not_requested', code: '404' }]);
  });

  it('joins by link a group of others that admits by approval as a pending request, then as a member', async () => {
    const me = linked?.phone ?? '';
    const { phone: host } = sim.api.createAccount({ name: 'Host' });
    const { phone: zed } = sim.api.createContact({ name: 'Zed' });
    const theirs = (
      await api.post<Group>(`${base}/groups`, { subject: 'Their club', participants: [host, zed] })
    ).body;
    const path = `${base}/groups/${encodeURIComponent(theirs.jid)}`;
    const { code } = (await api.get<{ code: string }>(`${path}/invite`)).body;
    sim.api.groups.participants(theirs.jid, me, 'promote', [host]);
    sim.api.groups.update(theirs.jid, host, { joinApproval: true });
    expect((await api.post(`${path}/leave`)).status).toBe(200);

    const joined = await api.post<{ jid: string; pending?: boolean }>(`${base}/groups/join`, { code });
    expect(joined.status).toBe(200);
    expect(joined.body).toEqual({ jid: theirs.jid, pending: true });
    expect(sim.api.groups.requests(theirs.jid).map((r) => r.phone)).toEqual([me]);
    expect(sim.api.groups.decideRequests(theirs.jid, host, 'approve', [me])).toEqual([
      { phone: me, status: '200' },
    ]);
    await groupEvent(
      (e) => e.groupJid === theirs.jid && e.action === 'create',
      'the group shown to the instance once approved',
    );
    expect(await eventually('the instance a member', async () => (await api.get(path)).status === 200)).toBe(
      true,
    );
  });

  it('answers bad input with coded 400s, an unknown group with 404 and not being an admin with 403', async () => {
    const badAction = await api.post<{ error: { code: string } }>(`${groupPath}/requests`, {
      action: 'maybe',
      participants: ['15550001111'],
    });
    expect(badAction.status).toBe(400);
    const badParticipant = await api.post<{ error: { code: string } }>(`${groupPath}/requests`, {
      action: 'approve',
      participants: ['not a phone'],
    });
    expect(badParticipant.body.error.code).toBe('ZG_ERR_INVALID_PARTICIPANT');
    const badJid = await api.get<{ error: { code: string } }>(`${base}/groups/hello/requests`);
    expect(badJid.body.error.code).toBe('ZG_ERR_INVALID_GROUP_JID');
    const unknown = await api.get(`${base}/groups/120363000000000000@g.us/requests`);
    expect(unknown.status).toBe(404);

    // a group of someone else's where the instance is a plain member
    const { phone: owner } = sim.api.createAccount({ name: 'Owner' });
    const me = linked?.phone ?? '';
    const theirs = sim.api.groups.join(owner, inviteCode);
    expect(theirs.requests.map((r) => r.phone)).toContain(owner);
    const promoted = sim.api.groups.decideRequests(group.jid, me, 'approve', [owner]);
    expect(promoted).toEqual([{ phone: owner, status: '200' }]);
    sim.api.groups.participants(group.jid, me, 'promote', [owner]);
    sim.api.groups.participants(group.jid, owner, 'demote', [me]);
    await groupEvent(
      (e) => e.groupJid === group.jid && e.action === 'demote' && e.participants.includes(jid(me)),
      'the instance demoted',
    );
    const forbidden = await api.get<{ error: { code: string } }>(`${groupPath}/requests`);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('ZG_ERR_GROUP_FORBIDDEN');
  });
});
