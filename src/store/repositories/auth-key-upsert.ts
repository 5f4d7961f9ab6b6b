import type { Insertable, Kysely, OnConflictBuilder } from 'kysely';
import type { AuthKeysTable, Database } from '../schema.ts';
import { boundRows, compiledOnce, valuesInOrder } from './compiled-once.ts';

type KeyRow = Insertable<AuthKeysTable>;

const COLUMNS = ['instance_id', 'type', 'key_id', 'data'] as const;
/**
 * Up to this many keys a statement is compiled once per count: a Signal session after each message
 * (one key, or two under a fence), a turn's worth of instances receiving. A link's upload of
 * hundreds of pre-keys is rare and built each time rather than kept.
 */
const COMPILED_UP_TO = 32;

const updateData = (oc: OnConflictBuilder<Database, 'auth_keys'>) =>
  oc.columns(['instance_id', 'type', 'key_id']).doUpdateSet((eb) => ({ data: eb.ref('excluded.data') }));

const compiledUpsert = compiledOnce((db, _count: string, ...values: unknown[]) =>
  db.insertInto('auth_keys').values(boundRows<KeyRow>(COLUMNS, values)).onConflict(updateData),
);

/** Writes the keys, each new or in place of the stored one; a key may be named only once. */
export async function upsertKeyRows(db: Kysely<Database>, rows: KeyRow[]): Promise<void> {
  if (rows.length === 0) return;
  if (rows.length <= COMPILED_UP_TO)
    await compiledUpsert(db, String(rows.length), ...valuesInOrder(COLUMNS, rows));
  else await db.insertInto('auth_keys').values(rows).onConflict(updateData).execute();
}
