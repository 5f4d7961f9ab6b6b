import { type Kysely, sql } from 'kysely';
import { isPostgres } from './helpers.ts';

/**
 * The outbox and the history (`messages`), media bytes of outbound messages (`message_media`) and
 * campaigns. `seq` is the auto-increment column every ordering uses (timestamps can tie and
 * inbound rows carry WhatsApp's clock); `id` is the gateway's own unique text id.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createMessageTable(db);
  await createMessageIndexes(db);
  await createMediaTable(db);
  await createCampaignTable(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['campaigns', 'message_media', 'messages']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}

/**
 * On SQLite `seq` is the rowid (AUTOINCREMENT needs INTEGER PRIMARY KEY), so `id` is a unique
 * column. On PostgreSQL `id` is the primary key and `seq` an identity that only the sequence may
 * set (GENERATED ALWAYS refuses explicit values and updates), so it is unique by construction;
 * it gets no index of its own, only (instance_id, seq) below. A btree on `seq` alone lures the
 * planner into walking the whole table backwards for "instance X, newest first, LIMIT n"
 * whenever X has been quiet while others were busy.
 */
async function createMessageTable(db: Kysely<unknown>): Promise<void> {
  const pg = isPostgres(db);
  await db.schema
    .createTable('messages')
    .addColumn('seq', pg ? 'bigint' : 'integer', (col) =>
      pg ? col.generatedAlwaysAsIdentity().notNull() : col.primaryKey().autoIncrement(),
    )
    .addColumn('id', 'text', (col) => (pg ? col.primaryKey() : col.notNull().unique()))
    .addColumn('instance_id', 'text', (col) => col.notNull())
    .addColumn('tenant_id', 'text')
    .addColumn('wa_message_id', 'text', (col) => col.notNull())
    .addColumn('direction', 'text', (col) => col.notNull())
    .addColumn('chat_jid', 'text', (col) => col.notNull())
    .addColumn('type', 'text', (col) => col.notNull())
    .addColumn('content', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint')
    .addColumn('idempotency_key', 'text')
    .addColumn('campaign_id', 'text')
    .addColumn('expires_at', 'bigint')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .addColumn('sent_at', 'bigint')
    .addColumn('delivered_at', 'bigint')
    .addColumn('read_at', 'bigint')
    .execute();
}

async function createMessageIndexes(db: Kysely<unknown>): Promise<void> {
  const index = (name: string) => db.schema.createIndex(name).on('messages');
  await index('messages_idempotency_uq')
    .columns(['instance_id', 'idempotency_key'])
    .unique()
    .where(sql.ref('idempotency_key'), 'is not', null)
    .execute();
  await index('messages_wa_id_uq').columns(['instance_id', 'wa_message_id', 'direction']).unique().execute();
  // nextDue's scan, per-instance counts, expiry and crash recovery.
  await index('messages_instance_status_idx').columns(['instance_id', 'status', 'seq']).execute();
  // History pages of one instance, and of one chat.
  await index('messages_instance_seq_uq').columns(['instance_id', 'seq']).unique().execute();
  await index('messages_chat_idx').columns(['instance_id', 'chat_jid', 'seq']).execute();
  // nextDue's per-chat rule looks only at rows still in the outbox: a small partial index, so a
  // chat with a long history costs nothing.
  await index('messages_chat_active_idx')
    .columns(['instance_id', 'chat_jid', 'seq'])
    .where(sql<boolean>`status in ('queued', 'sending')`)
    .execute();
  await index('messages_queued_created_idx')
    .column('created_at')
    .where(sql<boolean>`status = 'queued'`)
    .execute();
  // The daily cap: rows of one instance sent since a moment.
  await index('messages_sent_idx').columns(['instance_id', 'sent_at']).execute();
  await index('messages_campaign_idx').columns(['campaign_id', 'status']).execute();
  await index('messages_created_idx').column('created_at').execute();
}

async function createMediaTable(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('message_media')
    .addColumn('message_id', 'text', (col) => col.primaryKey())
    .addColumn('bytes', isPostgres(db) ? 'bytea' : 'blob', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .execute();
}

async function createCampaignTable(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('campaigns')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('instance_id', 'text', (col) => col.notNull())
    .addColumn('tenant_id', 'text')
    .addColumn('name', 'text')
    .addColumn('template', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('total', 'integer', (col) => col.notNull())
    .addColumn('start_at', 'bigint')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('campaigns_instance_idx')
    .on('campaigns')
    .columns(['instance_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('campaigns_tenant_idx')
    .on('campaigns')
    .columns(['tenant_id', 'created_at'])
    .execute();
}
