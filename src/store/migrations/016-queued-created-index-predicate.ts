import { type Kysely, sql } from 'kysely';

/**
 * `messages_queued_created_idx` (queued rows by creation time) again, with a term in its condition
 * that is true of every row (`created_at >= 0`, a time in ms) and that only its one reader, the
 * age of the oldest queued row, states. A partial index serves only a statement whose WHERE holds
 * its whole condition, so no other statement can take this one.
 *
 * On PostgreSQL the old one misled the claim. The share of queued rows swings from none to
 * thousands between two ANALYZEs, and with statistics taken while none were queued the planner
 * reckons that each partial index of queued rows holds about one row, and takes the smallest for
 * any statement that names `status = 'queued'`. This one was the smallest: the claim's walk
 * scanned all of it, every queued row of every instance, and sorted them (1,155 buffers a claim
 * with 6,000 queued rows, where the walk of `messages_queued_idx` reads 30; outbox-transitions.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('messages_queued_created_idx').execute();
  await create(db, sql<boolean>`status = 'queued' and created_at >= 0`);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('messages_queued_created_idx').execute();
  await create(db, sql<boolean>`status = 'queued'`);
}

const create = (db: Kysely<unknown>, condition: ReturnType<typeof sql<boolean>>) =>
  db.schema
    .createIndex('messages_queued_created_idx')
    .on('messages')
    .column('created_at')
    .where(condition)
    .execute();
