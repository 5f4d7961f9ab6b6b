import type { Kysely, Selectable } from 'kysely';
import { Errors } from '../../errors.ts';
import type { EventRepository, StoredEvent } from '../repositories.ts';
import type { Database, EventsTable } from '../schema.ts';
import { affected, isUniqueViolation, toDate } from './shared.ts';

const toStoredEvent = (row: Selectable<EventsTable>): StoredEvent => ({
  seq: Number(row.seq),
  id: row.id,
  instanceId: row.instance_id,
  tenantId: row.tenant_id,
  event: row.event,
  envelope: row.envelope,
  createdAt: toDate(row.created_at),
});

export class EventSqlRepository implements EventRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Throws a conflict when an event with this id is already stored. */
  async append(input: Omit<StoredEvent, 'seq'>): Promise<StoredEvent> {
    try {
      const row = await this.db
        .insertInto('events')
        .values({
          id: input.id,
          instance_id: input.instanceId,
          tenant_id: input.tenantId,
          event: input.event,
          envelope: input.envelope,
          created_at: input.createdAt.getTime(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toStoredEvent(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw Errors.conflict(`an event with id ${input.id} already exists`);
      throw error;
    }
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
