import type { Kysely, Selectable } from 'kysely';
import type { ContactPage, ContactPatch, ContactRecord, ContactRepository } from '../chat-repositories.ts';
import type { ContactsTable } from '../chat-schema.ts';
import type { Database } from '../schema.ts';
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

/** A field given as null does not erase one already known (history and live events tell parts). */
const keep = <T>(given: T | null | undefined, stored: T | null): T | null =>
  given === undefined || given === null ? stored : given;

export class ContactSqlRepository implements ContactRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async upsertMany(instanceId: string, changes: Array<{ jid: string; patch: ContactPatch }>): Promise<void> {
    if (changes.length === 0) return;
    const now = Date.now();
    await inTransaction(this.db, async (trx) => {
      for (const { jid, patch } of changes) {
        const row = await trx
          .selectFrom('contacts')
          .selectAll()
          .where('instance_id', '=', instanceId)
          .where('jid', '=', jid)
          .executeTakeFirst();
        const fields = {
          phone: keep(patch.phone, row?.phone ?? null),
          lid: keep(patch.lid, row?.lid ?? null),
          name: keep(patch.name, row?.name ?? null),
          push_name: keep(patch.pushName, row?.push_name ?? null),
          updated_at: now,
        };
        if (row) {
          await trx
            .updateTable('contacts')
            .set(fields)
            .where('instance_id', '=', instanceId)
            .where('jid', '=', jid)
            .execute();
        } else {
          await trx
            .insertInto('contacts')
            .values({ instance_id: instanceId, jid, ...fields })
            .execute();
        }
      }
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
