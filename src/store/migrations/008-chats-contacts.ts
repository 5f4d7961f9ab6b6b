import type { Kysely } from 'kysely';

/**
 * The chats and contacts of each instance: filled from the history the phone sends at link and
 * kept up to date by live traffic. Flags are 0/1 integers on both dialects.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('chats')
    .addColumn('instance_id', 'text', (col) => col.notNull())
    .addColumn('jid', 'text', (col) => col.notNull())
    .addColumn('name', 'text')
    .addColumn('unread_count', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('archived', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('pinned', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('muted_until', 'bigint')
    .addColumn('last_message_id', 'text')
    .addColumn('last_message_from_me', 'integer')
    .addColumn('last_message_type', 'text')
    .addColumn('last_message_text', 'text')
    .addColumn('last_message_at', 'bigint')
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .addPrimaryKeyConstraint('chats_pk', ['instance_id', 'jid'])
    .execute();
  await db.schema
    .createIndex('chats_recent_idx')
    .on('chats')
    .columns(['instance_id', 'last_message_at', 'jid'])
    .execute();
  await db.schema
    .createTable('contacts')
    .addColumn('instance_id', 'text', (col) => col.notNull())
    .addColumn('jid', 'text', (col) => col.notNull())
    .addColumn('phone', 'text')
    .addColumn('lid', 'text')
    .addColumn('name', 'text')
    .addColumn('push_name', 'text')
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .addPrimaryKeyConstraint('contacts_pk', ['instance_id', 'jid'])
    .execute();
  await db.schema.createIndex('contacts_lid_idx').on('contacts').columns(['instance_id', 'lid']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('contacts').execute();
  await db.schema.dropTable('chats').execute();
}
