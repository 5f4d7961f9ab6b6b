import type { Kysely } from 'kysely';
import { grouped } from '../group-commit.ts';
import type { Database } from '../schema.ts';
import { chunk } from './shared.ts';

interface KeyWrite {
  instanceId: string;
  type: string;
  id: string;
  data: string;
  done: (error?: unknown) => void;
}

/** Rows per statement: four bound values each. */
const ROWS = 250;

/**
 * Single Signal keys written in one turn of the event loop, across instances, as one upsert: each
 * message received rewrites its sender's session, and twenty instances receiving at once were
 * twenty statements (on PostgreSQL, twenty round trips). A key named twice keeps the last value.
 */
export class KeyWriteBatch {
  private pending: KeyWrite[] = [];

  constructor(private readonly db: Kysely<Database>) {}

  add(instanceId: string, type: string, id: string, data: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = (error?: unknown) => (error === undefined ? resolve() : reject(error));
      this.pending.push({ instanceId, type, id, data, done });
      if (this.pending.length === 1) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    // one row per key, the last written (an upsert may not touch a row twice)
    const last = new Map(batch.map((w) => [JSON.stringify([w.instanceId, w.type, w.id]), w]));
    for (const part of chunk([...last.values()], ROWS)) {
      try {
        await grouped(this.db, (trx) =>
          trx
            .insertInto('auth_keys')
            .values(
              part.map((w) => ({ instance_id: w.instanceId, type: w.type, key_id: w.id, data: w.data })),
            )
            .onConflict((oc) =>
              oc
                .columns(['instance_id', 'type', 'key_id'])
                .doUpdateSet((eb) => ({ data: eb.ref('excluded.data') })),
            )
            .execute(),
        );
        settle(batch, part);
      } catch (error) {
        settle(batch, part, error);
      }
    }
  }
}

/** Tells every write of `batch` whose key is in `part` (the earlier values of a key included). */
function settle(batch: KeyWrite[], part: KeyWrite[], error?: unknown): void {
  const keys = new Set(part.map((w) => JSON.stringify([w.instanceId, w.type, w.id])));
  for (const w of batch) if (keys.has(JSON.stringify([w.instanceId, w.type, w.id]))) w.done(error);
}
