import { type Kysely, sql } from 'kysely';

/**
 * `messages_instance_status_idx` (instance, status, seq) held every row, so every status change
 * moved its entry: the claim, `sent`, then each receipt. Its readers only ever ask for rows still
 * queued (the sending loop's walk, fleet wake-ups, queue counts) or being sent (the daily cap, crash
 * recovery), or, rarely, for one status of an instance's history. Three partial indexes answer
 * them: queued rows (an entry at insert, gone at the claim), rows being sent (from the claim to
 * `sent`) and failed rows (an entry only when a send fails). A sent message's receipts then write
 * no entry at all: the WAL frames per message from claim to `read`, 15.3 with the old index and
 * 8.5 with these (bench/RESULTS.md).
 *
 * Both are usable only when the status is written into the statement, not bound (SQLite plans a
 * statement when it is prepared; PostgreSQL reuses a generic plan): see `isQueued` and
 * `compiledOnce`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('messages_instance_status_idx').execute();
  await db.schema
    .createIndex('messages_queued_idx')
    .on('messages')
    .columns(['instance_id', 'seq'])
    .where(sql<boolean>`status = 'queued'`)
    .execute();
  await db.schema
    .createIndex('messages_sending_idx')
    .on('messages')
    .columns(['instance_id', 'seq'])
    .where(sql<boolean>`status = 'sending'`)
    .execute();
  await db.schema
    .createIndex('messages_failed_idx')
    .on('messages')
    .columns(['instance_id', 'seq'])
    .where(sql<boolean>`status = 'failed'`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('messages_failed_idx').execute();
  await db.schema.dropIndex('messages_sending_idx').execute();
  await db.schema.dropIndex('messages_queued_idx').execute();
  await db.schema
    .createIndex('messages_instance_status_idx')
    .on('messages')
    .columns(['instance_id', 'status', 'seq'])
    .execute();
}
