import { type Kysely, type Selectable, sql } from 'kysely';
import { Errors } from '../../errors.ts';
import type { EventRepository, Store, StoredEvent } from '../repositories.ts';
import type { Database, EventsTable } from '../schema.ts';
import { compiledOnce } from './compiled-once.ts';
import { affected, chunk, inTransaction, isUniqueViolation, toDate } from './shared.ts';

/** Events per insert: 6 bound parameters each. */
const BATCH = 500;

/** The advisory lock (any constant) that makes events commit in the order of their seq. */
const EVENT_ORDER_LOCK = 0x5a47_0001;

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
      .values({ id, instance_id: instanceId, tenant_id: tenantId, event, envelope, created_at: createdAt })
      // only the seq is new: the envelope (the event's size) is not sent back
      .returning('seq'),
);

export class EventSqlRepository implements EventRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Store['dialect'],
  ) {}

  /**
   * Throws a conflict when an event with this id is already stored.
   *
   * Readers resume "after seq N", so an event must never become visible after one with a higher
   * seq. PostgreSQL hands out seqs at insert and transactions commit in any order, so there the
   * append takes a transaction-scoped lock first: an appending transaction waits for the one
   * before it to end, and seqs commit in order. (SQLite runs one transaction at a time.)
   */
  async append(input: Omit<StoredEvent, 'seq'>): Promise<StoredEvent> {
    if (this.dialect === 'sqlite') return this.insert(this.db, input);
    return inTransaction(this.db, async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${EVENT_ORDER_LOCK})`.execute(trx);
      return this.insert(trx, input);
    });
  }

  async appendMany(input: Array<Omit<StoredEvent, 'seq'>>): Promise<StoredEvent[]> {
    if (input.length === 0) return [];
    return inTransaction(this.db, async (trx) => {
      if (this.dialect === 'postgres')
        await sql`SELECT pg_advisory_xact_lock(${EVENT_ORDER_LOCK})`.execute(trx);
      const stored: StoredEvent[] = [];
      for (const part of chunk(input, BATCH)) {
        const rows = await trx
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
          .returning(['id', 'seq'])
          .execute()
          .catch((error: unknown) => {
            if (isUniqueViolation(error))
              throw Errors.conflict('an event with one of these ids already exists');
            throw error;
          });
        const seqs = new Map(rows.map((r) => [r.id, Number(r.seq)]));
        for (const e of part) stored.push({ ...e, seq: seqs.get(e.id) ?? 0 });
      }
      return stored;
    });
  }

  private async insert(db: Kysely<Database>, input: Omit<StoredEvent, 'seq'>): Promise<StoredEvent> {
    try {
      const { id, instanceId, tenantId, event, envelope, createdAt } = input;
      const { rows } = await insertStatement(
        db,
        '',
        id,
        instanceId,
        tenantId,
        event,
        envelope,
        createdAt.getTime(),
      );
      if (!rows[0]) throw new Error(`event ${id} was not stored`);
      return { ...input, seq: Number(rows[0].seq) };
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
