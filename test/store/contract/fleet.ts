import { expect, it, vi } from 'vitest';
import { openNotifications } from '../../../src/store/notifications.ts';
import { LeaseLostError } from '../../../src/store/repositories.ts';
import type { ContractContext } from './fixture.ts';
import { unique } from './fixture.ts';
import { inbound, newMessage } from './message-fixture.ts';

const at = (ms: number) => new Date(ms);

export function fleetContract(ctx: () => ContractContext): void {
  const newInstance = async (desiredState: 'running' | 'stopped' = 'running') =>
    ctx().store.instances.create({
      id: unique('i'),
      tenantId: null,
      name: unique('fleet'),
      desiredState,
      settings: {},
    });

  it('a lease is taken only while free or expired, and every takeover bumps the epoch', async () => {
    const { leases } = ctx().store;
    const instance = await newInstance();
    const t = Date.now();
    const first = await leases.claim('node-a', instance.id, at(t), at(t + 1_000));
    expect(first).toBeGreaterThan(0);
    expect(await leases.claim('node-b', instance.id, at(t + 10), at(t + 1_010))).toBeUndefined();
    expect(await leases.ownerOf(instance.id, at(t + 10))).toBe('node-a');
    expect((await ctx().store.instances.get(instance.id))?.owner).toBe('node-a');
    // past its end, the lease is anyone's; the new holder has a higher epoch
    const second = await leases.claim('node-b', instance.id, at(t + 2_000), at(t + 3_000));
    expect(second).toBe((first ?? 0) + 1);
    expect(await leases.holds('node-a', instance.id, first ?? 0, at(t + 2_000))).toBe(false);
    expect(await leases.holds('node-b', instance.id, second ?? 0, at(t + 2_000))).toBe(true);
  });

  it('renews only unexpired leases of the node, and releases only at the epoch held', async () => {
    const { leases } = ctx().store;
    const node = unique('node');
    const [a, b] = [await newInstance(), await newInstance()];
    const t = Date.now();
    const epochA = (await leases.claim(node, a.id, at(t), at(t + 1_000))) ?? 0;
    await leases.claim(node, b.id, at(t), at(t + 100));
    const renewed = await leases.renew(node, [a.id, b.id], at(t + 500), at(t + 1_500));
    expect((await leases.renew(node, [], at(t + 500), at(t + 1_500))).size).toBe(0);
    expect([...renewed.keys()]).toEqual([a.id]);
    expect(renewed.get(a.id)).toBe(epochA);
    expect(await leases.release(node, a.id, epochA + 1)).toBe(false);
    expect(await leases.release(node, a.id, epochA)).toBe(true);
    expect(await leases.ownerOf(a.id, at(t + 600))).toBeUndefined();
  });

  it('offers instances that should run and are free, counts them, and never a stopped one', async () => {
    const { leases } = ctx().store;
    const running = await newInstance();
    const stopped = await newInstance('stopped');
    const t = Date.now();
    const offered = await leases.claimable(at(t), 1_000);
    expect(offered).toContain(running.id);
    expect(offered).not.toContain(stopped.id);
    expect(await leases.claim('n', stopped.id, at(t), at(t + 1_000))).toBeUndefined();
    expect(await leases.countWanted()).toBeGreaterThanOrEqual(1);
    const node = unique('counted');
    await leases.claim(node, running.id, at(t), at(t + 60_000));
    expect((await leases.countByOwner(at(t))).get(node)).toBe(1);
  });

  it('keeps nodes with their heartbeats and forgets the silent ones', async () => {
    const { nodes } = ctx().store;
    const id = unique('n');
    const t = Date.now();
    await nodes.heartbeat({ id, role: 'worker', version: '1', startedAt: at(t) }, at(t));
    await nodes.heartbeat({ id, role: 'worker', version: '1', startedAt: at(t) }, at(t + 5_000));
    const live = (await nodes.live(at(t + 1_000))).find((n) => n.id === id);
    expect(live).toMatchObject({ role: 'worker', heartbeatAt: at(t + 5_000) });
    expect((await nodes.live(at(t + 6_000))).some((n) => n.id === id)).toBe(false);
    await nodes.remove(id);
    expect((await nodes.live(at(0))).some((n) => n.id === id)).toBe(false);
  });

  it('hands a command to its node once, with its outcome', async () => {
    const { commands } = ctx().store;
    const node = unique('w');
    const id = unique('c');
    await commands.create({
      id,
      instanceId: 'i-1',
      nodeId: node,
      kind: 'pairing-code',
      args: { phone: '1555' },
    });
    expect((await commands.pendingFor(node, 10)).map((c) => [c.id, c.args])).toEqual([
      [id, { phone: '1555' }],
    ]);
    await commands.finish(id, 'done', { pairingCode: 'ABCD1234' });
    await commands.finish(id, 'failed', { code: 'late' });
    expect(await commands.get(id)).toMatchObject({ status: 'done', result: { pairingCode: 'ABCD1234' } });
    expect(await commands.pendingFor(node, 10)).toEqual([]);
  });

  it('a fenced claim takes a row only while the node holds the lease at that epoch', async () => {
    const { leases, messages } = ctx().store;
    const instance = await newInstance();
    const t = Date.now();
    const epoch = (await leases.claim('stale', instance.id, at(t), at(t + 1_000))) ?? 0;
    await messages.insert(newMessage({ instanceId: instance.id, createdAt: at(t - 10) }));
    // another worker took the instance over once the lease ran out
    const taken = (await leases.claim('fresh', instance.id, at(t + 2_000), at(t + 60_000))) ?? 0;
    expect(await messages.claimNext(instance.id, at(t + 2_000), { nodeId: 'stale', epoch })).toBeUndefined();
    const claimed = await messages.claimNext(instance.id, at(t + 2_000), { nodeId: 'fresh', epoch: taken });
    expect(claimed?.status).toBe('sending');
  });

  it('names the instances of those asked for that have queued outbound rows', async () => {
    const { leases, messages } = ctx().store;
    const [queued, sent, received, other] = [
      await newInstance(),
      await newInstance(),
      await newInstance(),
      await newInstance(),
    ];
    await messages.insert(newMessage({ instanceId: queued.id }));
    await messages.insert(newMessage({ instanceId: queued.id }));
    await messages.insert(newMessage({ instanceId: sent.id, status: 'sent' }));
    await messages.insert(inbound({ instanceId: received.id }));
    await messages.insert(newMessage({ instanceId: other.id }));
    const asked = [queued.id, sent.id, received.id, unique('missing')];
    expect(await leases.withQueuedMessages(asked)).toEqual([queued.id]);
    expect((await leases.withQueuedMessages([other.id, queued.id])).toSorted()).toEqual(
      [other.id, queued.id].toSorted(),
    );
    expect(await leases.withQueuedMessages([])).toEqual([]);
  });

  it('a once-per-fleet job is held by one node until its lease runs out', async () => {
    const { jobs } = ctx().store;
    const job = unique('job');
    const t = Date.now();
    expect(await jobs.tryHold(job, 'node-a', at(t), at(t + 1_000))).toBe(true);
    expect(await jobs.tryHold(job, 'node-b', at(t + 10), at(t + 1_010))).toBe(false);
    // the holder extends its own lease; past its end, another node takes the job
    expect(await jobs.tryHold(job, 'node-a', at(t + 500), at(t + 1_500))).toBe(true);
    expect(await jobs.tryHold(job, 'node-b', at(t + 1_200), at(t + 2_200))).toBe(false);
    expect(await jobs.tryHold(job, 'node-b', at(t + 1_600), at(t + 2_600))).toBe(true);
    expect(await jobs.tryHold(job, 'node-a', at(t + 1_700), at(t + 2_700))).toBe(false);
  });

  it('on PostgreSQL, a committed queued message and command wake their listeners (not on SQLite)', async () => {
    const { dialect, url, store } = ctx();
    const heard: string[] = [];
    const notifications = openNotifications(url, (err) => {
      throw err;
    });
    // SQLite has nothing to listen to: its processes keep polling often
    expect(notifications.live).toBe(dialect === 'postgres');
    if (dialect !== 'postgres') return;
    try {
      const channels = ['zapgate_queue', 'zapgate_events', 'zapgate_commands', 'zapgate_command_done'];
      for (const channel of channels)
        await notifications.listen(channel, (payload) => heard.push(`${channel}:${payload}`));
      const instance = await newInstance();
      await store.messages.insert(newMessage({ instanceId: instance.id }));
      const commandId = unique('cmd');
      const command = { id: commandId, instanceId: instance.id, nodeId: 'node-x', kind: 'start', args: {} };
      await store.commands.create(command);
      await store.commands.finish(commandId, 'done', null);
      await vi.waitFor(() =>
        expect(heard).toEqual(
          expect.arrayContaining([
            `zapgate_queue:${instance.id}`,
            'zapgate_commands:node-x',
            `zapgate_command_done:${commandId}`,
          ]),
        ),
      );
    } finally {
      await notifications.close();
    }
  });

  it('auth and status writes under a fence go through only at the current lease', async () => {
    const { leases, authState, instances } = ctx().store;
    const instance = await newInstance();
    const t = Date.now();
    const stale = {
      nodeId: 'stale',
      epoch: (await leases.claim('stale', instance.id, at(t - 2_000), at(t - 1_000))) ?? 0,
    };
    const fresh = {
      nodeId: 'fresh',
      epoch: (await leases.claim('fresh', instance.id, at(t), at(t + 60_000))) ?? 0,
    };
    await authState.saveCreds(instance.id, 'fresh', fresh);
    await authState.writeKeys(instance.id, [{ type: 'session', id: 'a', value: 'k' }], fresh);
    await expect(authState.saveCreds(instance.id, 'stale', stale)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(
      authState.writeKeys(instance.id, [{ type: 'session', id: 'a', value: 'x' }], stale),
    ).rejects.toBeInstanceOf(LeaseLostError);
    await expect(authState.clear(instance.id, stale)).rejects.toBeInstanceOf(LeaseLostError);
    expect(await authState.loadCreds(instance.id)).toBe('fresh');
    expect(await instances.update(instance.id, { status: 'disconnected' }, stale)).toBeUndefined();
    expect((await instances.update(instance.id, { status: 'connected' }, fresh))?.status).toBe('connected');
  });
}
