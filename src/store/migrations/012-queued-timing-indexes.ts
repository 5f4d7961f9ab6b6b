import { type Kysely, sql } from 'kysely';

/**
 * The outbox asks two questions of an instance's queued rows that no index answered: which have
 * expired (`expireDue`, once a second per sending loop) and when the next one scheduled for later
 * is due (`nextScheduledAt`, whenever nothing is due now). Both walked every queued row of the
 * instance: 1.4 ms with 2,000 queued, 21 ms with 20,000, on the event loop. Only rows that carry a
 * `ttl` or a time enter these partial indexes, so the rest of the outbox costs them nothing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('messages_queued_expiry_idx')
    .on('messages')
    .columns(['instance_id', 'expires_at'])
    .where(sql<boolean>`status = 'queued' and expires_at is not null`)
    .execute();
  await db.schema
    .createIndex('messages_queued_schedule_idx')
    .on('messages')
    .columns(['instance_id', 'next_attempt_at'])
    .where(sql<boolean>`status = 'queued' and next_attempt_at is not null`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('messages_queued_schedule_idx').execute();
  await db.schema.dropIndex('messages_queued_expiry_idx').execute();
}
