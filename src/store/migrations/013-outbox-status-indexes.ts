import { type Kysely, sql } from 'kysely';

/**
 * Indexes that hold a row only while it is in the state their readers ask for, so that a status
 * change writes as few index entries as it can. Before, every status change moved a row's entry in
 * `messages_instance_status_idx` (instance, status, seq), which held every row, and the claim
 * rewrote its entry in `messages_chat_active_idx` (queued and sending rows of a chat). Now:
 *
 * | index                      | rows          | read by                                          |
 * | -------------------------- | ------------- | ------------------------------------------------ |
 * | messages_queued_idx        | queued        | the sending loop's walk, fleet wake-ups, counts  |
 * | messages_chat_queued_idx   | queued        | the walk's per-chat order: older queued rows     |
 * | messages_sending_idx       | being sent    | the per-chat order, the daily cap, crash recovery |
 * | messages_failed_idx        | failed        | an instance's history of one status              |
 *
 * A row enters two at insert, leaves them for one at the claim, and leaves that at `sent`; its
 * receipts write no entry of any. With sent_at left out of a receipt's SET (outbox-transitions.ts)
 * and migration 014, the pages SQLite writes per message from claim to `delivered` went from 15.0
 * to 9.5 (`bench:store-writes`, group commit on; bench/RESULTS.md).
 *
 * SQLite uses a partial index only when the statement's WHERE holds the index's condition as
 * written, so readers write the status in rather than bind it (`hasStatus`, `compiledOnce`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('messages_instance_status_idx').execute();
  await db.schema.dropIndex('messages_chat_active_idx').execute();
  const partial = (name: string, columns: string[], status: 'queued' | 'sending' | 'failed') =>
    db.schema
      .createIndex(name)
      .on('messages')
      .columns(columns)
      .where(sql<boolean>`status = ${sql.lit(status)}`)
      .execute();
  await partial('messages_queued_idx', ['instance_id', 'seq'], 'queued');
  await partial('messages_chat_queued_idx', ['instance_id', 'chat_jid', 'seq'], 'queued');
  await partial('messages_sending_idx', ['instance_id', 'chat_jid', 'seq'], 'sending');
  await partial('messages_failed_idx', ['instance_id', 'seq'], 'failed');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const name of ['failed', 'sending', 'chat_queued', 'queued'])
    await db.schema.dropIndex(`messages_${name}_idx`).execute();
  await db.schema
    .createIndex('messages_chat_active_idx')
    .on('messages')
    .columns(['instance_id', 'chat_jid', 'seq'])
    .where(sql<boolean>`status in ('queued', 'sending')`)
    .execute();
  await db.schema
    .createIndex('messages_instance_status_idx')
    .on('messages')
    .columns(['instance_id', 'status', 'seq'])
    .execute();
}
