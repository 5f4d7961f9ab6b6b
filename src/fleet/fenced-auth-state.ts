import type { AuthStateRepository } from '../store/repositories.ts';

/** A write to credentials or keys of an instance whose lease this worker no longer holds. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor(instanceId: string) {
    super(`not writing the credentials of ${instanceId}: this worker no longer holds its lease`);
  }
}

/**
 * The auth state a worker's sockets write through: a worker that stalled past its lease and woke
 * up must not overwrite credentials and Signal keys its successor now writes. Reads are free.
 */
export function fencedAuthState(
  repo: AuthStateRepository,
  mayWrite: (instanceId: string) => boolean,
): AuthStateRepository {
  const guard = (instanceId: string) => {
    if (!mayWrite(instanceId)) throw new LeaseLostError(instanceId);
  };
  return {
    loadCreds: (id) => repo.loadCreds(id),
    loadKeys: (id, type, ids) => repo.loadKeys(id, type, ids),
    countKeys: (id) => repo.countKeys(id),
    saveCreds: async (id, data) => {
      guard(id);
      await repo.saveCreds(id, data);
    },
    writeKeys: async (id, entries) => {
      guard(id);
      await repo.writeKeys(id, entries);
    },
    clear: async (id) => {
      guard(id);
      await repo.clear(id);
    },
  };
}
