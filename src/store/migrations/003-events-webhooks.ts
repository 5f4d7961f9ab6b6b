import { type Kysely, sql } from 'kysely';
import { isPostgres } from './helpers.ts';

/**
 * Published gateway events kept for replay (`events`), webhooks (`webhooks`) and one delivery row
 * per (event, matching webhook) (`webhook_deliveries`). Like `messages`, `seq` is the
 * auto-increment column orderings use: an identity on PostgreSQL, the rowid on SQLite.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createEventTable(db);
  await createWebhookTable(db);
  await createDeliveryTable(db);
  await createDeliveryIndexes(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['webhook_deliveries', 'webhooks', 'events']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}

/**
 * `seq` is the primary key on both dialects: an operator's stream resumes with "every event after
 * seq N, oldest first", which needs `seq` indexed on its own; tenant and instance streams use their
 * own (…, seq) indexes.
 */
async function createEventTable(db: Kysely<unknown>): Promise<void> {
  const pg = isPostgres(db);
  await db.schema
    .createTable('events')
    .addColumn('seq', pg ? 'bigint' : 'integer', (col) =>
      pg ? col.generatedAlwaysAsIdentity().primaryKey() : col.primaryKey().autoIncrement(),
    )
    .addColumn('id', 'text', (col) => col.notNull().unique())
    .addColumn('instance_id', 'text', (col) => col.notNull())
    .addColumn('tenant_id', 'text')
    .addColumn('event', 'text', (col) => col.notNull())
    .addColumn('envelope', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .execute();
  const index = (name: string) => db.schema.createIndex(name).on('events');
  await index('events_tenant_seq_idx').columns(['tenant_id', 'seq']).execute();
  await index('events_instance_seq_idx').columns(['instance_id', 'seq']).execute();
  // Retention.
  await index('events_created_idx').column('created_at').execute();
}

/** `enabled` is a boolean on PostgreSQL and an integer (0/1) on SQLite; both accept 1 and 0. */
async function createWebhookTable(db: Kysely<unknown>): Promise<void> {
  const pg = isPostgres(db);
  await db.schema
    .createTable('webhooks')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text')
    .addColumn('instance_id', 'text')
    .addColumn('url', 'text', (col) => col.notNull())
    .addColumn('events', 'text', (col) => col.notNull())
    .addColumn('secret', 'text', (col) => col.notNull())
    .addColumn('enabled', pg ? 'boolean' : 'integer', (col) => col.notNull().defaultTo(pg ? true : 1))
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('webhooks_tenant_idx')
    .on('webhooks')
    .columns(['tenant_id', 'instance_id'])
    .execute();
}

/**
 * No foreign key to `webhooks`: a webhook deleted while an event is being fanned out must not fail
 * the transaction recording that event (an inbound message with it). `WebhookRepository.delete`
 * removes the deliveries in its own transaction, and claims skip rows whose webhook is gone.
 */
async function createDeliveryTable(db: Kysely<unknown>): Promise<void> {
  const pg = isPostgres(db);
  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('seq', pg ? 'bigint' : 'integer', (col) =>
      pg ? col.generatedAlwaysAsIdentity().notNull() : col.primaryKey().autoIncrement(),
    )
    .addColumn('id', 'text', (col) => (pg ? col.primaryKey() : col.notNull().unique()))
    .addColumn('webhook_id', 'text', (col) => col.notNull())
    .addColumn('instance_id', 'text', (col) => col.notNull())
    .addColumn('event_id', 'text', (col) => col.notNull())
    .addColumn('event', 'text', (col) => col.notNull())
    .addColumn('payload', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (col) => col.notNull())
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('last_response', 'text')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('delivered_at', 'bigint')
    .execute();
}

async function createDeliveryIndexes(db: Kysely<unknown>): Promise<void> {
  const index = (name: string) => db.schema.createIndex(name).on('webhook_deliveries');
  const pending = sql<boolean>`status = 'pending'`;
  // The ordering rule: is there an older pending row of this (webhook, instance)?
  await index('webhook_deliveries_pending_group_idx')
    .columns(['webhook_id', 'instance_id', 'seq'])
    .where(pending)
    .execute();
  // Due scans and the worker's wake-up time.
  await index('webhook_deliveries_pending_due_idx').column('next_attempt_at').where(pending).execute();
  // A webhook's deliveries, newest first; also what deleting a webhook removes.
  await index('webhook_deliveries_webhook_seq_uq').columns(['webhook_id', 'seq']).unique().execute();
  // Retention.
  await index('webhook_deliveries_created_idx').column('created_at').execute();
}
