import type { Kysely } from 'kysely';
import { grouped } from '../group-commit.ts';
import type { Database } from '../schema.ts';
import { TurnBatch } from '../turn-batch.ts';
import { upsertKeyRows } from './auth-key-upsert.ts';

interface KeyWrite {
  instanceId: string;
  type: string;
  id: string;
  data: string;
}

/** Rows per statement: four bound values each. */
const ROWS = 250;

/**
 * Single Signal keys written in one turn of the event loop, across instances, as one upsert: each
 * message received rewrites its sender's session, and twenty instances receiving at once were
 * twenty statements (on PostgreSQL, twenty round trips). A key named twice keeps the last value.
 */
export class KeyWriteBatch {
  private readonly batch: TurnBatch<KeyWrite>;

  constructor(db: Kysely<Database>) {
    this.batch = new TurnBatch(
      async (writes) => {
        await grouped(db, (trx) => upsertKeys(trx, writes));
        return undefined;
      },
      { most: ROWS },
    );
  }

  add(instanceId: string, type: string, id: string, data: string): Promise<void> {
    return this.batch.add({ instanceId, type, id, data });
  }
}

/** One row per key, the last value written: an upsert may not touch a row twice. */
function upsertKeys(db: Kysely<Database>, writes: KeyWrite[]): Promise<void> {
  const last = new Map(writes.map((w) => [JSON.stringify([w.instanceId, w.type, w.id]), w]));
  return upsertKeyRows(
    db,
    [...last.values()].map((w) => ({ instance_id: w.instanceId, type: w.type, key_id: w.id, data: w.data })),
  );
}
