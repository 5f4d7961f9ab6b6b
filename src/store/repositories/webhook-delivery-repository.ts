import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import { Errors } from '../../errors.ts';
import { grouped } from '../group-commit.ts';
import type { DeliveryStatus, WebhookDelivery, WebhookDeliveryRepository } from '../repositories.ts';
import type { Database, WebhookDeliveriesTable } from '../schema.ts';
import { boundRows, compiledOnce, valuesInOrder } from './compiled-once.ts';
import { DeliveredBatch } from './delivered-batch.ts';
import {
  affected,
  chunk,
  decodeCursor,
  encodeCursor,
  inTransaction,
  isPostgres,
  isUniqueViolation,
  toDate,
  toDateOrNull,
} from './shared.ts';
import { followers, hasWebhook, isHead, isPending } from './webhook-delivery-heads.ts';

/** Rows per insert: 10 bound parameters a row, well within both dialects' limits. */
const BATCH = 500;

/** How much of a receiver's response body is kept. */
export const RESPONSE_LIMIT = 2048;

type DeliveryRow = Selectable<WebhookDeliveriesTable>;
type NewDelivery = Parameters<WebhookDeliveryRepository['insertMany']>[0][number];

const toDelivery = (row: DeliveryRow): WebhookDelivery => ({
  id: row.id,
  seq: Number(row.seq),
  webhookId: row.webhook_id,
  instanceId: row.instance_id,
  eventId: row.event_id,
  event: row.event,
  payload: row.payload,
  status: row.status as DeliveryStatus,
  attempts: Number(row.attempts),
  nextAttemptAt: toDate(row.next_attempt_at),
  lastStatusCode: row.last_status_code === null ? null : Number(row.last_status_code),
  lastError: row.last_error,
  lastResponse: row.last_response,
  createdAt: toDate(row.created_at),
  deliveredAt: toDateOrNull(row.delivered_at),
});

const newDeliveryRow = (input: NewDelivery): Insertable<WebhookDeliveriesTable> => ({
  id: input.id,
  webhook_id: input.webhookId,
  instance_id: input.instanceId,
  event_id: input.eventId,
  event: input.event,
  payload: input.payload,
  status: 'pending',
  attempts: 0,
  next_attempt_at: input.nextAttemptAt.getTime(),
  created_at: input.createdAt.getTime(),
});

/** Every column an insert sets, in the order insertStatement binds them. */
const DELIVERY_COLUMNS = Object.keys(
  newDeliveryRow({ nextAttemptAt: new Date(), createdAt: new Date() } as NewDelivery),
) as ReadonlyArray<keyof Insertable<WebhookDeliveriesTable>>;

const insertStatement = compiledOnce((db, _: '', ...values: unknown[]) =>
  db
    .insertInto('webhook_deliveries')
    .values(boundRows<Insertable<WebhookDeliveriesTable>>(DELIVERY_COLUMNS, values)),
);

/** An outcome: the columns it sets (`columns`, comma-separated: the shape) on a pending row. */
const settleStatement = compiledOnce((db, columns: string, id: string, ...values: unknown[]) =>
  db
    .updateTable('webhook_deliveries')
    .set(
      Object.fromEntries(
        columns.split(',').map((column, i) => [column, values[i]]),
      ) as Updateable<WebhookDeliveriesTable>,
    )
    .where('id', '=', id)
    .where('status', '=', 'pending'),
);

/** The first `RESPONSE_LIMIT` UTF-16 units of a response, without splitting a surrogate pair. */
export function truncateResponse(response: string | null): string | null {
  if (response === null || response.length <= RESPONSE_LIMIT) return response;
  const end = /[\uD800-\uDBFF]/.test(response.charAt(RESPONSE_LIMIT - 1))
    ? RESPONSE_LIMIT - 1
    : RESPONSE_LIMIT;
  return response.slice(0, end);
}

export class WebhookDeliverySqlRepository implements WebhookDeliveryRepository {
  private readonly delivered: DeliveredBatch;

  constructor(private readonly db: Kysely<Database>) {
    this.delivered = new DeliveredBatch(db);
  }

  /** In one transaction (or the caller's); throws a conflict when a delivery id is taken. */
  async insertMany(input: NewDelivery[]): Promise<void> {
    if (input.length === 0) return;
    const rows = input.map(newDeliveryRow);
    const [only] = rows;
    try {
      // one event's one delivery, the usual case, as a statement compiled once
      if (rows.length === 1 && only)
        await insertStatement(this.db, '', ...valuesInOrder(DELIVERY_COLUMNS, [only]));
      else
        await inTransaction(this.db, async (trx) => {
          for (const part of chunk(rows, BATCH))
            await trx.insertInto('webhook_deliveries').values(part).execute();
        });
    } catch (error) {
      if (isUniqueViolation(error))
        throw Errors.conflict('a webhook delivery with one of these ids already exists');
      throw error;
    }
  }

  /**
   * Picks, oldest first, pending rows that are due and head their (webhook, instance), then leases
   * them (next_attempt_at = leaseUntil) and counts the attempt, in one transaction. With `run` > 1,
   * each head brings the pending rows right behind it in its group, up to `run` in all and up to
   * the first one not due, leased with it: the caller delivers them in order. On PostgreSQL the
   * picked heads are locked with SKIP LOCKED: a concurrent claim passes over them, and a group
   * whose head another claim has just leased is not due. Rows whose webhook is gone are left.
   */
  async claimDue(now: Date, leaseUntil: Date, limit: number, run = 1): Promise<WebhookDelivery[]> {
    const max = Math.floor(limit);
    if (!(max >= 1)) return [];
    return inTransaction(this.db, async (trx) => {
      let query = trx
        .selectFrom('webhook_deliveries as d')
        .select(['d.id', 'd.webhook_id', 'd.instance_id', 'd.seq'])
        .where(isPending('d'))
        .where('d.next_attempt_at', '<=', now.getTime())
        .where(isHead)
        .where(hasWebhook)
        .orderBy('d.seq')
        .limit(max);
      if (isPostgres(trx)) query = query.forUpdate('d').skipLocked();
      const heads = await query.execute();
      if (heads.length === 0) return [];
      const ids = heads.map((h) => h.id);
      if (Math.floor(run) > 1) ids.push(...(await followers(trx, heads, Math.floor(run), now)));
      const rows = await trx
        .updateTable('webhook_deliveries')
        .set((eb) => ({ next_attempt_at: leaseUntil.getTime(), attempts: eb('attempts', '+', 1) }))
        .where('id', 'in', ids)
        .returningAll()
        .execute();
      return rows.map(toDelivery).sort((a, b) => a.seq - b.seq);
    });
  }

  /**
   * Gives back claimed rows that were not attempted (their run stopped before them): due at `at`
   * again, and the attempt their claim counted is taken back. Settled rows are left alone.
   */
  async release(ids: string[], at: Date): Promise<void> {
    for (const part of chunk(ids, BATCH)) {
      await this.db
        .updateTable('webhook_deliveries')
        .set((eb) => ({ next_attempt_at: at.getTime(), attempts: eb('attempts', '-', 1) }))
        .where('id', 'in', part)
        .where('status', '=', 'pending')
        .where('attempts', '>', 0)
        .execute();
    }
  }

  async extendClaim(ids: string[], until: Date): Promise<void> {
    for (const part of chunk(ids, BATCH)) {
      await this.db
        .updateTable('webhook_deliveries')
        .set({ next_attempt_at: until.getTime() })
        .where('id', 'in', part)
        .where('status', '=', 'pending')
        .execute();
    }
  }

  /** Outcomes apply only to a pending row: a late answer to an expired lease changes nothing settled. */
  async markDelivered(id: string, statusCode: number, response: string | null, at: Date): Promise<void> {
    // those of one turn of the event loop together, unless in a transaction of the caller's
    if (!this.db.isTransaction) return this.delivered.add(id, statusCode, truncateResponse(response), at);
    await this.settle(id, {
      status: 'delivered',
      delivered_at: at.getTime(),
      last_status_code: statusCode,
      last_error: null,
      last_response: truncateResponse(response),
    });
  }

  async markRetry(
    id: string,
    nextAttemptAt: Date,
    statusCode: number | null,
    error: string,
    response: string | null,
  ): Promise<void> {
    await this.settle(id, {
      next_attempt_at: nextAttemptAt.getTime(),
      last_status_code: statusCode,
      last_error: error,
      last_response: truncateResponse(response),
    });
  }

  async markDead(
    id: string,
    statusCode: number | null,
    error: string,
    response: string | null,
  ): Promise<void> {
    await this.settle(id, {
      status: 'dead',
      last_status_code: statusCode,
      last_error: error,
      last_response: truncateResponse(response),
    });
  }

  async get(id: string): Promise<WebhookDelivery | undefined> {
    const row = await this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toDelivery(row);
  }

  /** Newest first by `seq`; a limit below 1 gives an empty page. Throws a validation error for a bad cursor. */
  async list(
    webhookId: string,
    filter: { status?: DeliveryStatus; limit: number; cursor?: string },
  ): Promise<{ items: WebhookDelivery[]; nextCursor: string | null }> {
    const beforeSeq = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor);
    const limit = Math.floor(filter.limit);
    if (!(limit >= 1)) return { items: [], nextCursor: null };
    let query = this.db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (beforeSeq !== undefined) query = query.where('seq', '<', beforeSeq);
    const rows = await query
      .orderBy('seq', 'desc')
      .limit(limit + 1)
      .execute();
    const items = rows.slice(0, limit).map(toDelivery);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.seq) : null };
  }

  /**
   * Pending again and due at `at`, whatever its status; attempts and the last outcome stay for the
   * record. Being older than the rest of its (webhook, instance), it goes out before them.
   */
  async redeliver(id: string, at: Date): Promise<WebhookDelivery | undefined> {
    const row = await this.db
      .updateTable('webhook_deliveries')
      .set({ status: 'pending', next_attempt_at: at.getTime(), delivered_at: null })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row && toDelivery(row);
  }

  /** `tenantId` (of the webhook) null: the operator's global webhooks; undefined: every delivery. */
  async countByStatus(filter: {
    tenantId?: string | null;
  }): Promise<Partial<Record<DeliveryStatus, number>>> {
    const { tenantId } = filter;
    let query = this.db.selectFrom('webhook_deliveries');
    if (tenantId !== undefined) {
      query = query.where('webhook_id', 'in', (eb) =>
        eb
          .selectFrom('webhooks')
          .select('id')
          .where('tenant_id', tenantId === null ? 'is' : '=', tenantId),
      );
    }
    const rows = await query
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    const counts: Partial<Record<DeliveryStatus, number>> = {};
    for (const row of rows) counts[row.status as DeliveryStatus] = Number(row.n);
    return counts;
  }

  /**
   * The soonest next_attempt_at among deliveries that could be claimed then: pending rows heading
   * their (webhook, instance). A row waiting behind another is not due whatever its own time says,
   * so it must not wake a worker that would claim nothing.
   */
  async nextDueAt(): Promise<Date | undefined> {
    const row = await this.db
      .selectFrom('webhook_deliveries as d')
      .select('d.next_attempt_at')
      .where(isPending('d'))
      .where(isHead)
      .where(hasWebhook)
      .orderBy('d.next_attempt_at')
      .limit(1)
      .executeTakeFirst();
    return row && toDate(row.next_attempt_at);
  }

  /**
   * Retention: settled (delivered, dead) deliveries created before `cutoff`. Pending ones stay,
   * unless their webhook is gone: nothing would ever claim them.
   */
  async deleteOlderThan(cutoff: Date): Promise<number> {
    const result = await this.db
      .deleteFrom('webhook_deliveries as d')
      .where('d.created_at', '<', cutoff.getTime())
      .where((eb) => eb.or([eb('d.status', '!=', 'pending'), eb.not(hasWebhook(eb))]))
      .executeTakeFirst();
    return affected(result);
  }

  async deleteByInstance(instanceId: string): Promise<number> {
    return affected(
      await this.db.deleteFrom('webhook_deliveries').where('instance_id', '=', instanceId).executeTakeFirst(),
    );
  }

  /** On SQLite, the outcomes of concurrent deliveries commit together (group-commit.ts). */
  private async settle(id: string, set: Updateable<WebhookDeliveriesTable>): Promise<void> {
    const columns = Object.keys(set) as Array<keyof WebhookDeliveriesTable>;
    await grouped(this.db, (trx) =>
      settleStatement(trx, columns.join(','), id, ...columns.map((column) => set[column])),
    );
  }
}
