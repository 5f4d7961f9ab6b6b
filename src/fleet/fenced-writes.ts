import {
  type AuthStateRepository,
  type InstanceRepository,
  type LeaseFence,
  LeaseLostError,
} from '../store/repositories.ts';

export { LeaseLostError };

/**
 * The auth state a worker's sockets write through: a worker that stalled past its lease and woke
 * up must not overwrite credentials and Signal keys its successor now writes. Each write carries
 * the lease it is made under, and the store makes it only while that lease is still the current
 * one (a worker whose own clock says the lease ran out does not even try). Reads are free.
 */
export function fencedAuthState(
  repo: AuthStateRepository,
  leaseOf: (instanceId: string) => LeaseFence | undefined,
): AuthStateRepository {
  const fence = (instanceId: string): LeaseFence => {
    const lease = leaseOf(instanceId);
    if (!lease) throw new LeaseLostError(instanceId);
    return lease;
  };
  return {
    loadCreds: (id) => repo.loadCreds(id),
    loadKeys: (id, type, ids) => repo.loadKeys(id, type, ids),
    countKeys: (id) => repo.countKeys(id),
    saveCreds: async (id, data) => repo.saveCreds(id, data, fence(id)),
    writeKeys: async (id, entries) => repo.writeKeys(id, entries, fence(id)),
    clear: async (id) => repo.clear(id, fence(id)),
  };
}

/**
 * The instance rows a worker's sessions write their status to: a write is made only under the
 * current lease, so a stale worker's "disconnected" never overwrites its successor's "connected".
 * Without a lease the write is skipped (undefined, as for an instance that is gone).
 */
export function fencedInstances(
  repo: InstanceRepository,
  leaseOf: (instanceId: string) => LeaseFence | undefined,
): InstanceRepository {
  const update: InstanceRepository['update'] = async (id, patch) => {
    const lease = leaseOf(id);
    return lease ? repo.update(id, patch, lease) : undefined;
  };
  return withUpdate(repo, update);
}

/** `repo` with its `update` replaced, every other method its own. */
export function withUpdate(
  repo: InstanceRepository,
  update: InstanceRepository['update'],
): InstanceRepository {
  return new Proxy(repo, {
    get(target, key) {
      if (key === 'update') return update;
      const value: unknown = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
