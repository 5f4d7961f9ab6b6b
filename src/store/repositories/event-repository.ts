import type { Kysely, Selectable } from 'kysely';
import { Errors } from '../../errors.ts';
import type { EventRepository, StoredEvent } from '../repositories.ts';
import type { Database, EventsTable } from '../schema.ts';
import { compiledOnce } from './compiled-once.ts';
import { affected, chunk, inTransaction, isUniqueViolation, toDate } from './shared.ts';

/** Events per insert: 6 bound parameters each. */
const BATCH = 500;

const toStoredEvent = (row: Selectable<EventsTable>): StoredEvent => ({
  seq: Number(row.seq),
  id: row.id,
  instanceId: row.instance_id,
  tenantId: row.tenant_id,
  event: row.event,
  envelope: row.envelope,
  createdAt: toDate(row.created_at),
});

const insertStatement = compiledOnce(
  (
    db,
    _: '',
    id: string,
    instanceId: string,
    tenantId: string | null,
    event: string,
    envelope: string,
    createdAt: number,
  ) =>
    db
      .insertInto('events')
      .values({ id, instance_id: instanceId, tenant_id: tenantId, event, envelope, created_at: createdAt }),
);

export class EventSqlRepository implements EventRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Throws a conflict when an event with this id is already stored.
   *
   * Readers resume "after seq N", so an event must never become visible after one with a higher
   * seq. SQLite runs one writing transaction at a time; on PostgreSQL, where transactions commit in
   * any order, a deferred trigger gives the seqs at commit, under a lock (migration 015). So the seq
   * is known once the transaction has committed (findSeqById), not here.
   */
  async append(input: Omit<StoredEvent, 'seq'>): Promise<void> {
    const { id, instanceId, tenantId, event, envelope, createdAt } = input;
    await insertStatement(this.db, '', id, instanceId, tenantId, event, envelope, createdAt.getTime()).catch(
      (error: unknown) => {
        if (isUniqueViolation(error)) throw Errors.conflict(`an event with id ${id} already exists`);
        throw error;
      },
    );
  }

  async appendMany(input: Array<Omit<StoredEvent, 'seq'>>): Promise<void> {
    if (input.length === 0) return;
    await inTransaction(this.db, async (trx) => {
      for (const part of chunk(input, BATCH))
        await trx
          .insertInto('events')
          .values(
            part.map((e) => ({
              id: e.id,
              instance_id: e.instanceId,
              tenant_id: e.tenantId,
              event: e.event,
              envelope: e.envelope,
              created_at: e.createdAt.getTime(),
            })),
          )
          .execute()
          .catch((error: unknown) => {
            if (isUniqueViolation(error))
              throw Errors.conflict('an event with one of these ids already exists');
            throw error;
          });
    });
  }

  /**
   * Oldest first. `tenantId` undefined: any tenant; null: only events without a tenant; a string:
   * only that tenant's. `instanceIds`, when given, restricts to those instances (empty: none). A
   * limit below 1 gives nothing.
   */
  async listAfter(
    seq: number,
    filter: { tenantId?: string | null; instanceIds?: string[]; limit: number },
  ): Promise<StoredEvent[]> {
    const limit = Math.floor(filter.limit);
    if (!(limit >= 1) || filter.instanceIds?.length === 0) return [];
    let query = this.db.selectFrom('events').selectAll().where('seq', '>', seq);
    if (filter.tenantId === null) query = query.where('tenant_id', 'is', null);
    else if (filter.tenantId !== undefined) query = query.where('tenant_id', '=', filter.tenantId);
    if (filter.instanceIds !== undefined) query = query.where('instance_id', 'in', filter.instanceIds);
    const rows = await query.orderBy('seq').limit(limit).execute();
    return rows.map(toStoredEvent);
  }

  async lastSeq(): Promise<number> {
    const row = await this.db
      .selectFrom('events')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .executeTakeFirst();
    return Number(row?.seq ?? 0);
  }

  async findSeqById(id: string): Promise<number | undefined> {
    const row = await this.db.selectFrom('events').select('seq').where('id', '=', id).executeTakeFirst();
    return row && Number(row.seq);
  }

  async deleteOlderThan(cutoff: Date): Promise<number> {
    return affected(
      await this.db.deleteFrom('events').where('created_at', '<', cutoff.getTime()).executeTakeFirst(),
    );
  }
}
