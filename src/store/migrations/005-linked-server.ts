import type { Kysely } from 'kysely';

/**
 * The WhatsApp server (by its root key) an instance's credentials were issued by. A gateway
 * pointed at another server (the sandbox's simulator on a real server's data) must never connect
 * them there: that server would answer 401 and the credentials would be thrown away.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('instances').addColumn('linked_server', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('instances').dropColumn('linked_server').execute();
}
