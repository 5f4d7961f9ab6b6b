import type { Kysely, Selectable } from 'kysely';
import type { ContactPage, ContactPatch, ContactRecord, ContactRepository } from '../chat-repositories.ts';
import type { ContactsTable } from '../chat-schema.ts';
import { grouped } from '../group-commit.ts';
import type { Database } from '../schema.ts';
import { compiledOnce } from './compiled-once.ts';
import { decodeJidCursor, encodeJidCursor } from './jid-cursor.ts';
import { affected, inTransaction, toDate } from './shared.ts';

const toContact = (row: Selectable<ContactsTable>): ContactRecord => ({
  instanceId: row.instance_id,
  jid: row.jid,
  phone: row.phone,
  lid: row.lid,
  name: row.name,
  pushName: row.push_name,
  updatedAt: toDate(row.updated_at),
});

/**
 * One contact's change as one statement: inserted, or the stored row updated in place. A field
 * given as null does not erase one already known (history and live events tell parts).
 */
const upsertContact = compiledOnce(
  (
    db,
    _: '',
    instanceId: string,
    jid: string,
    phone: string | null,
    lid: string | null,
    name: string | null,
    pushName: string | null,
    now: number,
  ) =>
    db
      .insertInto('contacts')
      .values({ instance_id: instanceId, jid, phone, lid, name, push_name: pushName, updated_at: now })
      .onConflict((oc) =>
        oc.columns(['instance_id', 'jid']).doUpdateSet((eb) => ({
          phone: eb.fn.coalesce('excluded.phone', 'contacts.phone'),
          lid: eb.fn.coalesce('excluded.lid', 'contacts.lid'),
          name: eb.fn.coalesce('excluded.name', 'contacts.name'),
          push_name: eb.fn.coalesce('excluded.push_name', 'contacts.push_name'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      ),
);

const upsertOf = (db: Kysely<Database>, instanceId: string, jid: string, patch: ContactPatch, now: number) =>
  upsertContact(
    db,
    '',
    instanceId,
    jid,
    patch.phone ?? null,
    patch.lid ?? null,
    patch.name ?? null,
    patch.pushName ?? null,
    now,
  );

export class ContactSqlRepository implements ContactRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async upsertMany(instanceId: string, changes: Array<{ jid: string; patch: ContactPatch }>): Promise<void> {
    const now = Date.now();
    const [only] = changes;
    // one message's sender (the usual case) is one statement, committed with others on SQLite
    if (changes.length === 1 && only)
      return void (await grouped(this.db, (trx) => upsertOf(trx, instanceId, only.jid, only.patch, now)));
    if (changes.length === 0) return;
    await inTransaction(this.db, async (trx) => {
      for (const { jid, patch } of changes) await upsertOf(trx, instanceId, jid, patch, now);
    });
  }

  async find(instanceId: string, jid: string): Promise<ContactRecord | undefined> {
    const phone = jid.endsWith('@s.whatsapp.net') ? jid.split('@')[0] : undefined;
    const row = await this.db
      .selectFrom('contacts')
      .selectAll()
      .where('instance_id', '=', instanceId)
      .where((eb) =>
        eb.or([eb('jid', '=', jid), eb('lid', '=', jid), ...(phone ? [eb('phone', '=', phone)] : [])]),
      )
      .orderBy('jid')
      .executeTakeFirst();
    return row && toContact(row);
  }

  async list(instanceId: string, options: { limit: number; cursor?: string }): Promise<ContactPage> {
    let query = this.db.selectFrom('contacts').selectAll().where('instance_id', '=', instanceId);
    if (options.cursor) query = query.where('jid', '>', decodeJidCursor(options.cursor));
    const rows = await query
      .orderBy('jid')
      .limit(options.limit + 1)
      .execute();
    const items = rows.slice(0, options.limit).map(toContact);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > options.limit && last ? encodeJidCursor(last.jid) : null };
  }

  async deleteByInstance(instanceId: string): Promise<number> {
    return affected(
      await this.db.deleteFrom('contacts').where('instance_id', '=', instanceId).executeTakeFirst(),
    );
  }
}
