import type { Kysely } from 'kysely';

/**
 * Fleet mode: the processes of a fleet (`nodes`, each with a heartbeat), the fencing counter of
 * an instance's lease (bumped on every takeover), and the commands API nodes hand to the worker
 * that owns an instance.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('nodes')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('role', 'text', (col) => col.notNull())
    .addColumn('version', 'text', (col) => col.notNull())
    .addColumn('started_at', 'bigint', (col) => col.notNull())
    .addColumn('heartbeat_at', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema
    .alterTable('instances')
    .addColumn('lease_epoch', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('instances_owner_idx').on('instances').column('owner').execute();
  await db.schema
    .createTable('commands')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('instance_id', 'text', (col) => col.notNull())
    .addColumn('node_id', 'text', (col) => col.notNull())
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('args', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('result', 'text')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('done_at', 'bigint')
    .execute();
  await db.schema.createIndex('commands_node_idx').on('commands').columns(['node_id', 'status']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('commands').execute();
  await db.schema.dropIndex('instances_owner_idx').execute();
  await db.schema.alterTable('instances').dropColumn('lease_epoch').execute();
  await db.schema.dropTable('nodes').execute();
}
