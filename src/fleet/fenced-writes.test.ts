import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../store/database.ts';
import type { LeaseFence, Store } from '../store/repositories.ts';
import { fencedAuthState, fencedInstances, LeaseLostError } from './fenced-writes.ts';

let dir: string;
let store: Store;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zg-fence-'));
  store = await openStore(`sqlite://${dir}/fence.db`);
});
afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** An instance whose lease `stale` held at one epoch and `fresh` took over once it ran out. */
async function takenOver(name: string): Promise<{ id: string; stale: LeaseFence; fresh: LeaseFence }> {
  const instance = await store.instances.create({
    id: `i-${name}`,
    tenantId: null,
    name,
    desiredState: 'running',
    settings: {},
  });
  const t = Date.now();
  const staleEpoch = await store.leases.claim('stale', instance.id, new Date(t - 2_000), new Date(t - 1_000));
  const freshEpoch = await store.leases.claim('fresh', instance.id, new Date(t), new Date(t + 60_000));
  return {
    id: instance.id,
    stale: { nodeId: 'stale', epoch: staleEpoch ?? -1 },
    fresh: { nodeId: 'fresh', epoch: freshEpoch ?? -1 },
  };
}

describe('fenced writes', () => {
  it('auth state is written under the current lease only; a stale epoch or no lease is refused', async () => {
    const { id, stale, fresh } = await takenOver('auth');
    let lease: LeaseFence | undefined = fresh;
    const auth = fencedAuthState(store.authState, () => lease);
    await auth.saveCreds(id, 'first');
    await auth.writeKeys(id, [{ type: 'session', id: 'a', value: 'k' }]);
    // the worker that held the lease before the takeover wakes up believing it still does
    lease = stale;
    await expect(auth.saveCreds(id, 'stale')).rejects.toBeInstanceOf(LeaseLostError);
    await expect(auth.writeKeys(id, [{ type: 'session', id: 'a', value: 'x' }])).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    await expect(auth.clear(id)).rejects.toBeInstanceOf(LeaseLostError);
    lease = undefined;
    await expect(auth.saveCreds(id, 'none')).rejects.toBeInstanceOf(LeaseLostError);
    expect(await auth.loadCreds(id)).toBe('first');
    expect((await auth.loadKeys(id, 'session', ['a'])).get('a')).toBe('k');
  });

  it("a stale worker's status write changes nothing; the owner's goes through", async () => {
    const { id, stale, fresh } = await takenOver('status');
    expect(
      await fencedInstances(store.instances, () => fresh).update(id, { status: 'connected' }),
    ).toMatchObject({
      status: 'connected',
    });
    expect(await fencedInstances(store.instances, () => stale).update(id, { status: 'disconnected' })).toBe(
      undefined,
    );
    expect(await fencedInstances(store.instances, () => undefined).update(id, { status: 'stopped' })).toBe(
      undefined,
    );
    const instances = fencedInstances(store.instances, () => stale);
    expect((await instances.get(id))?.status).toBe('connected');
  });
});
