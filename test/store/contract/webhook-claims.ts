import { expect, it } from 'vitest';
import type { WebhookDelivery } from '../../../src/store/repositories.ts';
import type { ContractContext } from './fixture.ts';
import { unique } from './fixture.ts';
import { at } from './message-fixture.ts';
import { drainDeliveries, MINUTE, newDelivery, newWebhook, T0 } from './webhook-fixture.ts';

const NOW = at(T0);
const LEASE = at(T0 + MINUTE);

/**
 * `claimDue` and `nextDueAt` look at the whole table, so each test first settles whatever earlier
 * tests left claimable (`drainDeliveries`).
 */
export function webhookClaimContract(ctx: () => ContractContext): void {
  const ids = (rows: WebhookDelivery[]) => rows.map((d) => d.id);

  /** Inserts `perGroup` deliveries for each (webhook, instance) pair, interleaved; returns ids by group. */
  const grid = async (webhookCount: number, instanceCount: number, perGroup: number) => {
    const { store } = ctx();
    const hooks = await Promise.all(
      Array.from({ length: webhookCount }, () => store.webhooks.create(newWebhook())),
    );
    const instances = Array.from({ length: instanceCount }, () => unique('i'));
    const groups = new Map<string, string[]>();
    const rows = [];
    for (let n = 0; n < perGroup; n++) {
      for (const hook of hooks) {
        for (const instanceId of instances) {
          const row = newDelivery(hook.id, instanceId);
          rows.push(row);
          const key = `${hook.id}/${instanceId}`;
          groups.set(key, [...(groups.get(key) ?? []), row.id]);
        }
      }
    }
    await store.webhookDeliveries.insertMany(rows);
    return { hooks, instances, groups: [...groups.values()], all: rows.map((r) => r.id) };
  };

  it('claims only the head of each (webhook, instance), oldest first, and leases it', async () => {
    const { store } = ctx();
    const deliveries = store.webhookDeliveries;
    await drainDeliveries(store);
    const { groups } = await grid(2, 2, 3);
    const heads = groups.map((g) => g[0]);
    const claimed = await deliveries.claimDue(NOW, LEASE, 100);
    expect(ids(claimed)).toEqual(heads);
    for (const d of claimed)
      expect(d).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: LEASE });
    expect(await deliveries.get(heads[0] ?? '')).toEqual(claimed[0]);
    // Leased: not claimed again before the lease ends, and later rows wait behind their head.
    expect(await deliveries.claimDue(at(LEASE.getTime() - 1), at(T0 + 2 * MINUTE), 100)).toEqual([]);
    const reclaimed = await deliveries.claimDue(LEASE, at(T0 + 2 * MINUTE), 100);
    expect(ids(reclaimed)).toEqual(heads);
    expect(reclaimed.map((d) => d.attempts)).toEqual([2, 2, 2, 2]);
    for (const id of heads) await deliveries.markDelivered(id ?? '', 200, 'ok', NOW);
    expect(ids(await deliveries.claimDue(NOW, LEASE, 100))).toEqual(groups.map((g) => g[1]));
  });

  it('a head that is not due yet holds back its own group only', async () => {
    const { store } = ctx();
    const deliveries = store.webhookDeliveries;
    await drainDeliveries(store);
    const [hook, instanceA, instanceB] = [
      await store.webhooks.create(newWebhook()),
      unique('i'),
      unique('i'),
    ];
    const waiting = newDelivery(hook.id, instanceA, { nextAttemptAt: at(T0 + 10 * MINUTE) });
    const behind = newDelivery(hook.id, instanceA);
    const ready = newDelivery(hook.id, instanceB);
    await deliveries.insertMany([waiting, behind, ready]);
    expect(ids(await deliveries.claimDue(NOW, LEASE, 100))).toEqual([ready.id]);
    expect(await deliveries.claimDue(NOW, LEASE, 100)).toEqual([]);
    await deliveries.markDelivered(ready.id, 204, null, NOW);
    const later = at(T0 + 10 * MINUTE);
    expect(ids(await deliveries.claimDue(later, at(later.getTime() + MINUTE), 100))).toEqual([waiting.id]);
  });

  it('takes at most `limit` heads, oldest first', async () => {
    const { store } = ctx();
    await drainDeliveries(store);
    const { groups } = await grid(1, 3, 2);
    const deliveries = store.webhookDeliveries;
    expect(await deliveries.claimDue(NOW, LEASE, 0)).toEqual([]);
    expect(ids(await deliveries.claimDue(NOW, LEASE, 2))).toEqual([groups[0]?.[0], groups[1]?.[0]]);
    expect(ids(await deliveries.claimDue(NOW, LEASE, 2))).toEqual([groups[2]?.[0]]);
  });

  it('with a run, claims each head with the rows right behind it, in order, and leases them all', async () => {
    const { store } = ctx();
    const deliveries = store.webhookDeliveries;
    await drainDeliveries(store);
    const { groups } = await grid(2, 2, 5);
    const firstThree = groups.map((g) => g.slice(0, 3));
    const claimed = await deliveries.claimDue(NOW, LEASE, 100, 3);
    expect(ids(claimed).toSorted()).toEqual(firstThree.flat().toSorted());
    for (const group of firstThree) {
      // each group's rows come out in their order
      const positions = group.map((id) => ids(claimed).indexOf(id));
      expect(positions).toEqual(positions.toSorted((a, b) => a - b));
    }
    for (const d of claimed) expect(d).toMatchObject({ attempts: 1, nextAttemptAt: LEASE });
    // The leased head holds its whole group back, whatever the run.
    expect(await deliveries.claimDue(NOW, LEASE, 100, 10)).toEqual([]);
    // `limit` counts groups.
    const later = at(LEASE.getTime() + MINUTE);
    expect(await deliveries.claimDue(LEASE, later, 1, 2)).toHaveLength(2);
  });

  it('a run stops at the first row that is not due', async () => {
    const { store } = ctx();
    const deliveries = store.webhookDeliveries;
    await drainDeliveries(store);
    const hook = await store.webhooks.create(newWebhook());
    const instanceId = unique('i');
    const rows = [
      newDelivery(hook.id, instanceId),
      newDelivery(hook.id, instanceId),
      newDelivery(hook.id, instanceId, { nextAttemptAt: at(T0 + 5 * MINUTE) }),
      newDelivery(hook.id, instanceId),
    ];
    await deliveries.insertMany(rows);
    expect(ids(await deliveries.claimDue(NOW, LEASE, 100, 10))).toEqual([rows[0]?.id, rows[1]?.id]);
  });

  it('release gives claimed rows back, due again with their attempt taken back; settled rows stay', async () => {
    const { store } = ctx();
    const deliveries = store.webhookDeliveries;
    await drainDeliveries(store);
    const { groups } = await grid(1, 1, 4);
    const group = groups[0] ?? [];
    const [head, second, third, fourth] = group;
    expect(ids(await deliveries.claimDue(NOW, LEASE, 100, 3))).toEqual([head, second, third]);
    await deliveries.markDelivered(head ?? '', 200, 'ok', NOW);
    await deliveries.release([head ?? '', second ?? '', third ?? ''], NOW);
    expect(await deliveries.get(head ?? '')).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(await deliveries.get(second ?? '')).toMatchObject({ attempts: 0, nextAttemptAt: NOW });
    const again = await deliveries.claimDue(NOW, LEASE, 100, 3);
    expect(ids(again)).toEqual([second, third, fourth]);
    expect(again.map((d) => d.attempts)).toEqual([1, 1, 1]);
    await deliveries.release([], NOW);
  });

  it('a claim extended stays claimed past its first lease; once it lapses the rows are claimable again', async () => {
    const { store } = ctx();
    const deliveries = store.webhookDeliveries;
    await drainDeliveries(store);
    const { groups } = await grid(1, 1, 2);
    const [head, second] = groups[0] ?? [];
    expect(ids(await deliveries.claimDue(NOW, LEASE, 100, 2))).toEqual([head, second]);
    await deliveries.markDelivered(head ?? '', 200, 'ok', NOW);
    const later = at(T0 + 3 * MINUTE);
    await deliveries.extendClaim([head ?? '', second ?? ''], later);
    expect(await deliveries.get(head ?? '')).toMatchObject({ status: 'delivered' });
    // past the first lease, the run is still this worker's; past the extension it is anyone's
    expect(await deliveries.claimDue(at(T0 + 2 * MINUTE), LEASE, 100, 2)).toEqual([]);
    expect(ids(await deliveries.claimDue(at(T0 + 4 * MINUTE), at(T0 + 5 * MINUTE), 100, 2))).toEqual([
      second,
    ]);
  });

  it('two concurrent claims never take the same delivery, heads or runs', async () => {
    const { store } = ctx();
    await drainDeliveries(store);
    const { groups } = await grid(3, 10, 3);
    const claim = () => store.webhookDeliveries.claimDue(NOW, LEASE, 20, 2);
    const [first, second] = await Promise.all([claim(), claim()]);
    const third = await claim();
    const taken = [...ids(first ?? []), ...ids(second ?? []), ...ids(third)];
    expect(new Set(taken).size).toBe(taken.length);
    expect(taken.toSorted()).toEqual(groups.flatMap((g) => g.slice(0, 2)).toSorted());
    for (const d of [...(first ?? []), ...(second ?? [])]) expect(d.attempts).toBe(1);
  });

  it('leaves deliveries whose webhook is gone', async () => {
    const { store } = ctx();
    await drainDeliveries(store);
    const orphan = newDelivery(unique('deleted-hook'), unique('i'));
    await store.webhookDeliveries.insertMany([orphan]);
    expect(await store.webhookDeliveries.claimDue(NOW, LEASE, 100)).toEqual([]);
    expect(await store.webhookDeliveries.nextDueAt()).toBeUndefined();
    expect((await store.webhookDeliveries.get(orphan.id))?.status).toBe('pending');
  });

  it('nextDueAt is the soonest time a claim would take something', async () => {
    const { store } = ctx();
    const deliveries = store.webhookDeliveries;
    await drainDeliveries(store);
    expect(await deliveries.nextDueAt()).toBeUndefined();
    const [hook, instanceA, instanceB] = [
      await store.webhooks.create(newWebhook()),
      unique('i'),
      unique('i'),
    ];
    const head = newDelivery(hook.id, instanceA, { nextAttemptAt: at(T0 + 5 * MINUTE) });
    // Due earlier, but it waits behind its head: it must not wake a worker that would claim nothing.
    const queued = newDelivery(hook.id, instanceA, { nextAttemptAt: at(T0 - MINUTE) });
    const other = newDelivery(hook.id, instanceB, { nextAttemptAt: at(T0 + 7 * MINUTE) });
    await deliveries.insertMany([head, queued, other]);
    expect(await deliveries.nextDueAt()).toEqual(at(T0 + 5 * MINUTE));
    await deliveries.claimDue(at(T0 + 5 * MINUTE), at(T0 + 9 * MINUTE), 100);
    expect(await deliveries.nextDueAt()).toEqual(at(T0 + 7 * MINUTE));
    await deliveries.markDelivered(head.id, 200, null, NOW);
    expect(await deliveries.nextDueAt()).toEqual(at(T0 - MINUTE));
    await deliveries.markDead(queued.id, 410, 'gone', null);
    await deliveries.markDead(other.id, 410, 'gone', null);
    expect(await deliveries.nextDueAt()).toBeUndefined();
  });
}
