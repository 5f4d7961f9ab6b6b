import type { Kysely } from 'kysely';

/**
 * An operator's own words on an instance: a free `label` (listable: `GET /instances?label=`) and
 * `metadata`, a JSON object (text, at most 4 KiB, checked by the instance service).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('instances').addColumn('label', 'text').execute();
  await db.schema.alterTable('instances').addColumn('metadata', 'text').execute();
  await db.schema.createIndex('instances_label_idx').on('instances').columns(['label']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('instances_label_idx').execute();
  await db.schema.alterTable('instances').dropColumn('metadata').execute();
  await db.schema.alterTable('instances').dropColumn('label').execute();
}
