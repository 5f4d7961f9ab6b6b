import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../sim/simulator.ts';
import { GatewayProcess, type InstanceJson, linkByQr, PACING_OFF } from '../support/gateway-harness.ts';
import { type ApiClient, eventually } from '../support/http-client.ts';
import { startTestPostgres, type TestPostgres } from '../support/postgres.ts';
import { SimClient } from '../support/sim-client.ts';

type Group = {
  jid: string;
  subject: string;
  announce: boolean;
  participants: Array<{ phone: string | null; role: string }>;
};

let sim: RunningSimulator;
let pg: TestPostgres;
let api: ApiClient;
let phone: string;
let member: { client: SimClient; phone: string };
const procs: GatewayProcess[] = [];
const base = '/api/v1/instances/fleet-groups';

beforeAll(async () => {
  sim = await startSimulator();
  pg = await startTestPostgres();
  const env = { ...PACING_OFF, LEASE_RENEW_MS: '500', LEASE_TTL_MS: '3000' };
  for (const [role, nodeId] of [
    ['api', 'api-g'],
    ['worker', 'w-g'],
  ] as const) {
    const proc = new GatewayProcess({
      sim: sim.info,
      databaseUrl: pg.url,
      role,
      env: { ...env, NODE_ID: nodeId },
    });
    procs.push(proc);
    await proc.start();
  }
  api = (procs[0] as GatewayProcess).api;
  ({ phone } = sim.api.createAccount({ name: 'fleet-groups' }));
  const created = await api.post<InstanceJson>('/api/v1/instances', { name: 'fleet-groups' });
  await linkByQr(api, sim.info.adminUrl, created.body.id, phone);
  const { phone: memberPhone } = sim.api.createAccount({ name: 'Member' });
  const client = new SimClient(sim.info, { name: 'Member' }).connect();
  sim.api.linkQr(memberPhone, await client.waitForQr());
  await client.waitForOpen(1);
  member = { client, phone: memberPhone };
});
afterAll(async () => {
  member?.client.end();
  for (const p of procs) await p.dispose();
  await pg?.stop();
  await sim?.close();
});

describe('groups and calls in fleet mode (the API node asks the owning worker)', () => {
  it('creates, changes and reads a group through the API node', async () => {
    const created = await api.post<Group>(`${base}/groups`, {
      subject: 'Fleet crew',
      participants: [member.phone],
    });
    expect(created.status).toBe(201);
    const path = `${base}/groups/${encodeURIComponent(created.body.jid)}`;
    await member.client.waitFor('the group at the member', () =>
      member.client.events.find(
        (e) => e.name === 'groups.upsert' && JSON.stringify(e.data).includes(created.body.jid),
      ),
    );
    const promoted = await api.post<{ results: Array<{ result: string }> }>(`${path}/participants`, {
      action: 'promote',
      participants: [member.phone],
    });
    expect(promoted.body.results).toEqual([expect.objectContaining({ result: 'promoted' })]);
    expect((await api.patch<Group>(path, { announce: true })).body.announce).toBe(true);
    const read = (await api.get<Group>(path)).body;
    expect(read.participants.find((p) => p.phone === member.phone)?.role).toBe('admin');
    const invite = await api.get<{ code: string }>(`${path}/invite`);
    expect(invite.body.code).toBe(sim.api.groups.state(created.body.jid).inviteCode);
    // requests to join: listed and approved on the worker, through the generic group call
    expect((await api.patch<Group>(path, { joinApproval: true })).status).toBe(200);
    const { phone: asker } = sim.api.createAccount({ name: 'Asker' });
    sim.api.groups.join(asker, invite.body.code);
    const asked = await api.get<{ items: Array<{ phone: string | null }> }>(`${path}/requests`);
    expect(asked.body.items.map((r) => r.phone)).toEqual([asker]);
    const approved = await api.post<{ results: Array<{ result: string }> }>(`${path}/requests`, {
      action: 'approve',
      participants: [asker],
    });
    expect(approved.body.results).toEqual([expect.objectContaining({ result: 'approved' })]);
    expect(sim.api.groups.state(created.body.jid).participants.map((p) => p.phone)).toContain(asker);
    const bad = await api.get<{ error: { code: string } }>(`${base}/groups/nope`);
    expect(bad.body.error.code).toBe('ZG_ERR_INVALID_GROUP_JID');
    const missing = await api.get(`${base}/groups/120363000000000000@g.us`);
    expect(missing.status).toBe(404);
  });

  it('rejects a call on the worker with settings saved through the API node', async () => {
    const saved = await api.patch(base, {
      settings: { calls: { reject: true, message: 'fleet says no calls' } },
    });
    expect(saved.status).toBe(200);
    const { phone: caller } = sim.api.createContact({ name: 'Fleet caller' });
    const offered = sim.api.groups.call(caller, phone, false);
    await eventually('the rejection', () =>
      sim.api.groups.calls(caller).find((c) => c.callId === offered.callId && c.status === 'rejected'),
    );
    const answer = await eventually('the text at the caller', () =>
      sim.api.contactInbox(caller).find((m) => m.type === 'text'),
    );
    expect(answer.content).toMatchObject({ text: 'fleet says no calls' });
  });
});
