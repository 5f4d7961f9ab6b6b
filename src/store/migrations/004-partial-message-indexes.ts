import { type Kysely, sql } from 'kysely';

/**
 * Two indexes of `messages` only ever serve queries on rows that have the column set: the daily
 * cap counts rows sent since a moment (`sent_at >= ?`), campaign counts and controls look rows up
 * by `campaign_id = ?`. As partial indexes, a message that is not sent yet or not in a campaign
 * (most of the outbox and all of the inbound history) costs them nothing: no entry at insert and,
 * for the campaign index, none moved by each status change. Both planners still use them, since
 * a comparison on the column implies it is not null.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('messages_sent_idx').execute();
  await db.schema
    .createIndex('messages_sent_idx')
    .on('messages')
    .columns(['instance_id', 'sent_at'])
    .where(sql.ref('sent_at'), 'is not', null)
    .execute();
  await db.schema.dropIndex('messages_campaign_idx').execute();
  await db.schema
    .createIndex('messages_campaign_idx')
    .on('messages')
    .columns(['campaign_id', 'status'])
    .where(sql.ref('campaign_id'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('messages_sent_idx').execute();
  await db.schema
    .createIndex('messages_sent_idx')
    .on('messages')
    .columns(['instance_id', 'sent_at'])
    .execute();
  await db.schema.dropIndex('messages_campaign_idx').execute();
  await db.schema
    .createIndex('messages_campaign_idx')
    .on('messages')
    .columns(['campaign_id', 'status'])
    .execute();
}
