import { type Kysely, sql } from 'kysely';
import { isPostgres } from './helpers.ts';

/** Tenants, their API keys, instances, Baileys auth state and the instance event log. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createTenantTables(db);
  await createInstanceTable(db);
  await createAuthTables(db);
  await createEventTable(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['instance_events', 'auth_keys', 'auth_creds', 'instances', 'api_keys', 'tenants']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}

async function createTenantTables(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('tenants')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('prefix', 'text', (col) => col.notNull())
    .addColumn('hash', 'text', (col) => col.notNull().unique())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('api_keys_tenant_idx').on('api_keys').column('tenant_id').execute();
}

async function createInstanceTable(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('instances')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text')
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('desired_state', 'text', (col) => col.notNull())
    .addColumn('phone', 'text')
    .addColumn('jid', 'text')
    .addColumn('lid', 'text')
    .addColumn('push_name', 'text')
    .addColumn('qr', 'text')
    .addColumn('qr_updated_at', 'bigint')
    .addColumn('pairing_code', 'text')
    .addColumn('pairing_expires_at', 'bigint')
    .addColumn('connected_at', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('settings', 'text', (col) => col.notNull())
    .addColumn('owner', 'text')
    .addColumn('lease_until', 'bigint')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('instances_tenant_name_uq')
    .on('instances')
    .columns(['tenant_id', 'name'])
    .unique()
    .execute();
  // A unique index treats NULLs as distinct, so names of tenantless instances need their own.
  await db.schema
    .createIndex('instances_null_tenant_name_uq')
    .on('instances')
    .column('name')
    .unique()
    .where(sql.ref('tenant_id'), 'is', null)
    .execute();
  await db.schema
    .createIndex('instances_created_idx')
    .on('instances')
    .columns(['created_at', 'id'])
    .execute();
}

async function createAuthTables(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('auth_creds')
    .addColumn('instance_id', 'text', (col) => col.primaryKey())
    .addColumn('data', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema
    .createTable('auth_keys')
    .addColumn('instance_id', 'text', (col) => col.notNull())
    .addColumn('type', 'text', (col) => col.notNull())
    .addColumn('key_id', 'text', (col) => col.notNull())
    .addColumn('data', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('auth_keys_pk', ['instance_id', 'type', 'key_id'])
    .execute();
}

async function createEventTable(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('instance_events')
    .addColumn('id', isPostgres(db) ? 'bigint' : 'integer', (col) =>
      isPostgres(db) ? col.generatedAlwaysAsIdentity().primaryKey() : col.primaryKey().autoIncrement(),
    )
    .addColumn('instance_id', 'text', (col) => col.notNull())
    .addColumn('tenant_id', 'text')
    .addColumn('type', 'text', (col) => col.notNull())
    .addColumn('data', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('instance_events_instance_idx')
    .on('instance_events')
    .columns(['instance_id', 'id'])
    .execute();
  await db.schema
    .createIndex('instance_events_created_idx')
    .on('instance_events')
    .column('created_at')
    .execute();
}
