import type { Kysely } from 'kysely';

/**
 * The unique index of WhatsApp ids, with the id first: (wa_message_id, instance_id, direction)
 * instead of (instance_id, wa_message_id, direction). The same rows are unique, and every reader
 * gives all three columns. An outbound id starts with the time (domain/ids.ts), so each new one
 * now goes at the index's one end, whatever its instance: with the instance first, a group commit
 * of rows for 14 instances dirtied 14 pages of it. With this and 013, the pages SQLite writes
 * per accepted text went from 8.2 to 6.8 (`bench:store-writes`; bench/RESULTS.md). Inbound ids
 * are WhatsApp's own, and land anywhere in either order.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('messages_wa_id_uq').execute();
  await db.schema
    .createIndex('messages_wa_id_uq')
    .on('messages')
    .columns(['wa_message_id', 'instance_id', 'direction'])
    .unique()
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('messages_wa_id_uq').execute();
  await db.schema
    .createIndex('messages_wa_id_uq')
    .on('messages')
    .columns(['instance_id', 'wa_message_id', 'direction'])
    .unique()
    .execute();
}
