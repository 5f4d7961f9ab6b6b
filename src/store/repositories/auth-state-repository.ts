import type { Kysely } from 'kysely';
import { LeaseLostError } from '../fleet-repositories.ts';
import type { AuthStateRepository, LeaseFence } from '../repositories.ts';
import type { Database } from '../schema.ts';
import { upsertKeyRows } from './auth-key-upsert.ts';
import { compiledOnce } from './compiled-once.ts';
import { KeyWriteBatch } from './key-write-batch.ts';
import { chunk, inTransaction, isPostgres } from './shared.ts';

/**
 * Rows per statement. An upsert binds 4 parameters a row and a lookup one per id, far below
 * SQLite's 32766 and PostgreSQL's 65535 bound parameters, in statements of a sensible size.
 */
const BATCH = 500;

type KeyEntry = { type: string; id: string; value: string | null };

export class AuthStateSqlRepository implements AuthStateRepository {
  private readonly keyWrites: KeyWriteBatch;

  constructor(private readonly db: Kysely<Database>) {
    this.keyWrites = new KeyWriteBatch(db);
  }

  async loadCreds(instanceId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('auth_creds')
      .select('data')
      .where('instance_id', '=', instanceId)
      .executeTakeFirst();
    return row?.data;
  }

  async saveCreds(instanceId: string, data: string, fence?: LeaseFence): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      await holdOrThrow(trx, instanceId, fence);
      await trx
        .insertInto('auth_creds')
        .values({ instance_id: instanceId, data, updated_at: Date.now() })
        .onConflict((oc) =>
          oc.column('instance_id').doUpdateSet((eb) => ({
            data: eb.ref('excluded.data'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
    });
  }

  async loadKeys(instanceId: string, type: string, ids: string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const part of chunk([...new Set(ids)], BATCH)) {
      const rows = await this.db
        .selectFrom('auth_keys')
        .select(['key_id', 'data'])
        .where('instance_id', '=', instanceId)
        .where('type', '=', type)
        .where('key_id', 'in', part)
        .execute();
      for (const row of rows) found.set(row.key_id, row.data);
    }
    return found;
  }

  /** One transaction; when an entry names the same key twice, the last one wins. */
  async writeKeys(instanceId: string, entries: KeyEntry[], fence?: LeaseFence): Promise<void> {
    const latest = new Map<string, KeyEntry>();
    for (const entry of entries) latest.set(JSON.stringify([entry.type, entry.id]), entry);
    if (latest.size === 0) return;
    const writes: KeyEntry[] = [];
    const deletes = new Map<string, string[]>();
    for (const entry of latest.values()) {
      if (entry.value !== null) writes.push(entry);
      else {
        const ids = deletes.get(entry.type) ?? [];
        ids.push(entry.id);
        deletes.set(entry.type, ids);
      }
    }
    // one key and no fence (the usual write after a message): no transaction of its own, and
    // written with the other instances' of this turn of the event loop
    const [only] = writes;
    if (!fence && only && writes.length === 1 && deletes.size === 0 && !this.db.isTransaction)
      return this.keyWrites.add(instanceId, only.type, only.id, only.value ?? '');
    await inTransaction(this.db, async (trx) => {
      await holdOrThrow(trx, instanceId, fence);
      await upsertKeys(trx, instanceId, writes);
      for (const [type, ids] of deletes) await deleteKeys(trx, instanceId, type, ids);
    });
  }

  async clear(instanceId: string, fence?: LeaseFence): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      await holdOrThrow(trx, instanceId, fence);
      await trx.deleteFrom('auth_keys').where('instance_id', '=', instanceId).execute();
      await trx.deleteFrom('auth_creds').where('instance_id', '=', instanceId).execute();
    });
  }

  async countKeys(instanceId: string): Promise<number> {
    const { n } = await this.db
      .selectFrom('auth_keys')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('instance_id', '=', instanceId)
      .executeTakeFirstOrThrow();
    return Number(n);
  }
}

async function upsertKeys(trx: Kysely<Database>, instanceId: string, writes: KeyEntry[]): Promise<void> {
  for (const part of chunk(writes, BATCH))
    await upsertKeyRows(
      trx,
      part.map((e) => ({ instance_id: instanceId, type: e.type, key_id: e.id, data: e.value ?? '' })),
    );
}

async function deleteKeys(
  trx: Kysely<Database>,
  instanceId: string,
  type: string,
  ids: string[],
): Promise<void> {
  for (const part of chunk(ids, BATCH)) {
    await trx
      .deleteFrom('auth_keys')
      .where('instance_id', '=', instanceId)
      .where('type', '=', type)
      .where('key_id', 'in', part)
      .execute();
  }
}

/**
 * A fenced write goes on only while the node holds the instance's lease at the epoch: the lease
 * row is read under a share lock (PostgreSQL), so a takeover waits for this write to commit, and
 * a write that comes after a takeover fails. On SQLite the transaction itself is the lock.
 */
const leaseHeld = compiledOnce((db, _: '', instanceId: string, nodeId: string, epoch: number) => {
  const query = db
    .selectFrom('instances')
    .select('id')
    .where('id', '=', instanceId)
    .where('owner', '=', nodeId)
    .where('lease_epoch', '=', epoch);
  return isPostgres(db) ? query.forShare() : query;
});

async function holdOrThrow(trx: Kysely<Database>, instanceId: string, fence: LeaseFence | undefined) {
  if (!fence) return;
  const { rows } = await leaseHeld(trx, '', instanceId, fence.nodeId, fence.epoch);
  if (rows.length === 0) throw new LeaseLostError(instanceId);
}
