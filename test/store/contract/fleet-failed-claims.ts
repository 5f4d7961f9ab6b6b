import { expect, it } from 'vitest';
import type { ContractContext } from './fixture.ts';
import { unique } from './fixture.ts';

const at = (ms: number) => new Date(ms);

/** A boot retry's claim: only of a failed instance that should run, and only while its lease is free. */
export function failedClaimContract(ctx: () => ContractContext): void {
  const failedInstance = async (desiredState: 'running' | 'stopped' = 'running') => {
    const { instances } = ctx().store;
    const created = await instances.create({
      id: unique('i'),
      tenantId: null,
      name: unique('failed'),
      desiredState,
      settings: {},
    });
    await instances.update(created.id, { status: 'failed', lastError: 'certificate refused' });
    return created;
  };

  it('is never offered by claimable, and is taken by claimFailed only while free or expired', async () => {
    const { leases } = ctx().store;
    const failed = await failedInstance();
    const t = Date.now();
    expect(await leases.claimable(at(t), 1_000)).not.toContain(failed.id);
    const first = await leases.claimFailed('node-a', failed.id, at(t), at(t + 1_000));
    expect(first).toBeGreaterThan(0);
    expect(await leases.claimFailed('node-b', failed.id, at(t + 10), at(t + 1_010))).toBeUndefined();
    expect(await leases.ownerOf(failed.id, at(t + 10))).toBe('node-a');
    expect(await leases.release('node-a', failed.id, first ?? 0)).toBe(true);
    const second = await leases.claimFailed('node-b', failed.id, at(t + 20), at(t + 1_020));
    expect(second).toBe((first ?? 0) + 1);
    // past its end the lease is anyone's, with a higher epoch again
    expect(await leases.claimFailed('node-a', failed.id, at(t + 2_000), at(t + 3_000))).toBe(
      (second ?? 0) + 1,
    );
  });

  it('takes no instance that is not failed, nor a failed one the operator stopped', async () => {
    const { instances, leases } = ctx().store;
    const t = Date.now();
    const stopped = await failedInstance('stopped');
    expect(await leases.claimFailed('node-a', stopped.id, at(t), at(t + 1_000))).toBeUndefined();
    const running = await instances.create({
      id: unique('i'),
      tenantId: null,
      name: unique('running'),
      desiredState: 'running',
      settings: {},
    });
    await instances.update(running.id, { status: 'disconnected' });
    expect(await leases.claimFailed('node-a', running.id, at(t), at(t + 1_000))).toBeUndefined();
    expect((await instances.get(running.id))?.owner).toBeNull();
    expect(await leases.claim('node-a', running.id, at(t), at(t + 1_000))).toBeGreaterThan(0);
  });
}
