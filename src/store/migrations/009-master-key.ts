import type { Kysely } from 'kysely';

/**
 * The key derivation that turns the operator's `MASTER_KEY` into the key that seals credentials:
 * one row (`id` = 'current') with the database's own random salt and the KDF's parameters. It is
 * written by the first process that seals with a key, and replaced by `zapgate rotate-master-key`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('master_key')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('kdf', 'text', (col) => col.notNull())
    .addColumn('salt', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('master_key').execute();
}
