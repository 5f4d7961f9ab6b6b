import type { AuthRow, Store } from '../store/repositories.ts';
import { credentialCipher, newKeyDerivation, storedForm } from './credential-cipher.ts';
import { refOf } from './master-key.ts';

export interface RotationRequest {
  /** The key the rows are sealed with now; none when they are plaintext. */
  from: string | undefined;
  to: string;
  /** Rotate even though gateways look alive (they would go on sealing with the old key). */
  force: boolean;
  /** A node whose heartbeat is this recent counts as running (the fleet's lease TTL). */
  liveWithinMs: number;
  now?: Date;
}

export interface RotationResult {
  instances: number;
  credentials: number;
  keys: number;
  /** Of those, rows that were stored unencrypted, or in the first format (zg1). */
  plaintext: number;
  legacy: number;
}

/** Gateways are running on the database: rotating under them would mix two keys. */
export class RotationRefusedError extends Error {
  override name = 'RotationRefusedError';
}

/**
 * Re-encrypts every credential and Signal key row under `to`, with a new salt, in one transaction:
 * it all happens or none of it (a row that does not open with `from` stops it). Plaintext rows are
 * encrypted too: this is the explicit, one-time migration for them.
 */
export async function rotateMasterKey(store: Store, request: RotationRequest): Promise<RotationResult> {
  const now = request.now ?? new Date();
  if (!request.force) await refuseWhileRunning(store, now, request.liveWithinMs);
  return store.transaction(async (tx) => {
    const current = await tx.masterKey.derivation();
    const from = credentialCipher(request.from, current ?? newKeyDerivation(now), { acceptPlaintext: true });
    const next = newKeyDerivation(now);
    const to = credentialCipher(request.to, next);
    const rows = await tx.masterKey.authRows();
    const rewrites: Array<AuthRow & { next: string }> = rows.map((row) => ({
      ...row,
      next: to.seal(from.open(row.data, refOf(row)), refOf(row)),
    }));
    await tx.masterKey.rewrite(rewrites);
    await tx.masterKey.replaceDerivation(next);
    return summarise(rows);
  });
}

async function refuseWhileRunning(store: Store, now: Date, liveWithinMs: number): Promise<void> {
  const nodes = await store.nodes.live(new Date(now.getTime() - liveWithinMs));
  const leases = await store.leases.countByOwner(now);
  const holders = new Set([...nodes.map((n) => n.id), ...leases.keys()]);
  if (holders.size === 0) return;
  throw new RotationRefusedError(
    `gateways are running on this database (${[...holders].join(', ')}): stop them first, ` +
      'or pass --force (a gateway left running goes on with the old key and its instances fail)',
  );
}

function summarise(rows: AuthRow[]): RotationResult {
  return {
    instances: new Set(rows.map((r) => r.instanceId)).size,
    credentials: rows.filter((r) => r.kind === 'creds').length,
    keys: rows.filter((r) => r.kind === 'key').length,
    plaintext: rows.filter((r) => storedForm(r.data) === 'plaintext').length,
    legacy: rows.filter((r) => storedForm(r.data) === 'legacy').length,
  };
}
