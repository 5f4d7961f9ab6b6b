import type { Insertable, Kysely, SelectQueryBuilder } from 'kysely';
import type { Message, MessageContent, MessageStatus } from '../../domain/message.ts';
import { Errors } from '../../errors.ts';
import { grouped } from '../group-commit.ts';
import type {
  DirectionStatusCount,
  LeaseFence,
  MessageCountFilter,
  MessageListFilter,
  MessageRepository,
  NewMessage,
  StatusCounts,
} from '../repositories.ts';
import type { Database, MessagesTable } from '../schema.ts';
import { TurnBatch } from '../turn-batch.ts';
import { boundRows, compiledOnce, valuesInOrder } from './compiled-once.ts';
import {
  countByDirectionAndStatus,
  countByInstanceAndStatus,
  countByStatus,
  countQueuedByInstance,
  countSentSince,
  countSince,
  type InstanceStatusCount,
  oldestQueuedAt,
} from './message-counts.ts';
import { countFailedSince, latestMessages } from './message-recent.ts';
import { hasStatus, type MessageRow, newMessageRow, type ReceiptStatus, toMessage } from './message-rows.ts';
import * as due from './outbox-next-due.ts';
import * as outbox from './outbox-transitions.ts';
import { affected, chunk, decodeCursor, encodeCursor, inTransaction, isUniqueViolation } from './shared.ts';

/** Rows per insert: 20 bound parameters a row, 10 000 a statement, within both dialects' limits. */
const BATCH = 500;

/** Rows still in the outbox, which retention never removes. */
const LIVE_STATUSES: readonly MessageStatus[] = ['queued', 'sending', 'paused'];

type Query = SelectQueryBuilder<Database, 'messages', MessageRow>;

export class MessageSqlRepository implements MessageRepository {
  /**
   * The sends accepted in one turn of the event loop, inserted by one statement (that commits with
   * the rest of the turn's writes on SQLite, group-commit.ts). A statement that fails is tried again
   * row by row, so only the row at fault fails.
   */
  private readonly queued: TurnBatch<Insertable<MessagesTable>, MessageRow | undefined>;

  constructor(private readonly db: Kysely<Database>) {
    this.queued = new TurnBatch(
      async (rows) => {
        const inserted = await grouped(db, (trx) => insertRows(trx, String(rows.length), ...valuesOf(rows)));
        const byId = new Map(inserted.rows.map((r) => [r.id, r]));
        return rows.map((r) => byId.get(r.id));
      },
      { most: QUEUED_ROWS, oneByOne: true },
    );
  }

  /**
   * With an idempotency key, `ON CONFLICT DO NOTHING` on (instance, key) settles a race between
   * two inserts of the same key: one inserts, the other reads the winner's row.
   */
  async insert(input: NewMessage): Promise<{ message: Message; created: boolean }> {
    const row = newMessageRow(input, Date.now());
    const key = row.idempotency_key;
    if (!key) return { message: await this.insertRow(row), created: true };
    const inserted = await translateConflict(row, () =>
      this.db
        .insertInto('messages')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['instance_id', 'idempotency_key']).where('idempotency_key', 'is not', null).doNothing(),
        )
        .returningAll()
        .executeTakeFirst(),
    );
    if (inserted) return { message: toMessage(inserted), created: true };
    const existing = await this.selectAll()
      .where('instance_id', '=', input.instanceId)
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
    // Only when the first row was deleted between the two statements.
    if (!existing) throw Errors.conflict(`idempotency key ${key} was used by a message just deleted; retry`);
    return { message: toMessage(existing), created: false };
  }

  /** Rows that collide with an existing one (id, WhatsApp id, idempotency key) are skipped, not counted. */
  async insertMany(input: NewMessage[]): Promise<number> {
    if (input.length === 0) return 0;
    const now = Date.now();
    const rows = input.map((m) => newMessageRow(m, now));
    return inTransaction(this.db, async (trx) => {
      let inserted = 0;
      for (const part of chunk(rows, BATCH)) {
        const result = await trx
          .insertInto('messages')
          .values(part)
          .onConflict((oc) => oc.doNothing())
          .executeTakeFirst();
        inserted += Number(result.numInsertedOrUpdatedRows ?? 0n);
      }
      return inserted;
    });
  }

  /** Deduplicated by (instance, WhatsApp id, direction), so history sync of our own messages works too. */
  async insertInbound(input: NewMessage): Promise<boolean> {
    return (await this.insertInboundMany([input])).has(input.id);
  }

  /** Many inbound rows in few statements (a batch of arrivals); resolves with the ids inserted. */
  async insertInboundMany(input: NewMessage[]): Promise<Set<string>> {
    const inserted = new Set<string>();
    if (input.length === 0) return inserted;
    const now = Date.now();
    const rows = input.map((m) => newMessageRow(m, now));
    try {
      await inTransaction(this.db, async (trx) => {
        for (const part of chunk(rows, BATCH)) {
          const back = await trx
            .insertInto('messages')
            .values(part)
            .onConflict((oc) => oc.columns(['instance_id', 'wa_message_id', 'direction']).doNothing())
            .returning('id')
            .execute();
          for (const row of back) inserted.add(row.id);
        }
      });
    } catch (error) {
      // a conflict other than the one the insert settles itself: a gateway id already taken
      if (isUniqueViolation(error)) throw Errors.conflict('a message with one of these ids already exists');
      throw error;
    }
    return inserted;
  }

  async get(id: string): Promise<Message | undefined> {
    const row = await this.selectAll().where('id', '=', id).executeTakeFirst();
    return row && toMessage(row);
  }

  /** The gateway id wins; a WhatsApp id shared by an inbound and an outbound row gives the older. */
  async find(instanceId: string, idOrWaId: string): Promise<Message | undefined> {
    const byId = await this.selectAll()
      .where('instance_id', '=', instanceId)
      .where('id', '=', idOrWaId)
      .executeTakeFirst();
    return byId ? toMessage(byId) : this.findByWaId(instanceId, idOrWaId);
  }

  async findByWaId(instanceId: string, waMessageId: string): Promise<Message | undefined> {
    // At most two rows (one per direction), found by messages_wa_id_uq. No ORDER BY: with one,
    // SQLite walks the instance's whole history by seq instead (27 ms at 100k rows).
    const byWaId = await this.selectAll()
      .where('instance_id', '=', instanceId)
      .where('wa_message_id', '=', waMessageId)
      .execute();
    const oldest = byWaId.reduce<MessageRow | undefined>(
      (first, row) => (first && Number(first.seq) <= Number(row.seq) ? first : row),
      undefined,
    );
    return oldest && toMessage(oldest);
  }

  nextDue(instanceId: string, now: Date): Promise<Message | undefined> {
    return due.nextDue(this.db, instanceId, now);
  }

  nextScheduledAt(instanceId: string, now: Date): Promise<Date | undefined> {
    return due.nextScheduledAt(this.db, instanceId, now);
  }

  claimNext(instanceId: string, now: Date, fence?: LeaseFence): Promise<Message | undefined> {
    // concurrent senders' claims commit together on SQLite (group-commit.ts)
    return grouped(this.db, (trx) => due.claimNext(trx, instanceId, now, fence));
  }

  expireDue(instanceId: string, now: Date): Promise<string[]> {
    return outbox.expireDue(this.db, instanceId, now);
  }

  claim(id: string, now: Date): Promise<boolean> {
    return outbox.claim(this.db, id, now);
  }

  markSent(id: string, at: Date): Promise<Message | undefined> {
    return outbox.markSent(this.db, id, at);
  }

  markFailed(id: string, code: string, message: string, at: Date): Promise<Message | undefined> {
    return outbox.markFailed(this.db, id, code, message, at);
  }

  markRejected(id: string, code: string, message: string, at: Date): Promise<boolean> {
    return outbox.markRejected(this.db, id, code, message, at);
  }

  scheduleRetry(id: string, nextAttemptAt: Date, code: string, message: string): Promise<void> {
    return outbox.scheduleRetry(this.db, id, nextAttemptAt, code, message);
  }

  applyReceipt(instanceId: string, waMessageId: string, status: ReceiptStatus, at: Date) {
    return outbox.applyReceipt(this.db, instanceId, waMessageId, status, at);
  }

  requeueSending(instanceId: string): Promise<number> {
    return outbox.requeueSending(this.db, instanceId);
  }

  async updateContent(id: string, content: MessageContent): Promise<void> {
    await this.db
      .updateTable('messages')
      .set({ content: JSON.stringify(content), updated_at: Date.now() })
      .where('id', '=', id)
      .execute();
  }

  /** Newest first by `seq`; a limit below 1 gives an empty page. Throws a validation error for a bad cursor. */
  async list(
    instanceId: string,
    filter: MessageListFilter,
  ): Promise<{ items: Message[]; nextCursor: string | null }> {
    const afterSeq = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor);
    const limit = Math.floor(filter.limit);
    if (!(limit >= 1)) return { items: [], nextCursor: null };
    let query = this.selectAll().where('instance_id', '=', instanceId);
    if (filter.direction) query = query.where('direction', '=', filter.direction);
    if (filter.chatJid) query = query.where('chat_jid', '=', filter.chatJid);
    // written in: an instance's queued, sending and failed rows each have a partial index
    if (filter.status) query = query.where(hasStatus(filter.status));
    if (filter.type) query = query.where('type', '=', filter.type);
    if (filter.campaignId) query = query.where('campaign_id', '=', filter.campaignId);
    if (filter.before) query = query.where('created_at', '<', filter.before.getTime());
    if (filter.after) query = query.where('created_at', '>', filter.after.getTime());
    if (afterSeq !== undefined) query = query.where('seq', '<', afterSeq);
    const rows = await query
      .orderBy('seq', 'desc')
      .limit(limit + 1)
      .execute();
    const items = rows.slice(0, limit).map(toMessage);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.seq) : null };
  }

  countSentSince(instanceId: string, since: Date): Promise<number> {
    return countSentSince(this.db, instanceId, since);
  }

  countByStatus(filter: {
    instanceId?: string;
    campaignId?: string;
    tenantId?: string | null;
  }): Promise<StatusCounts> {
    return countByStatus(this.db, filter);
  }

  countQueuedByInstance(): Promise<Map<string, number>> {
    return countQueuedByInstance(this.db);
  }

  countByInstanceAndStatus(tenantId?: string | null): Promise<InstanceStatusCount[]> {
    return countByInstanceAndStatus(this.db, tenantId);
  }

  countByDirectionAndStatus(filter: MessageCountFilter): Promise<DirectionStatusCount[]> {
    return countByDirectionAndStatus(this.db, filter);
  }

  countSince(filter: MessageCountFilter, since: Date): Promise<number> {
    return countSince(this.db, filter, since);
  }

  countFailedSince(filter: MessageCountFilter, since: Date): Promise<number> {
    return countFailedSince(this.db, filter, since);
  }

  latest(filter: MessageCountFilter, limit: number): Promise<Message[]> {
    return latestMessages(this.db, filter, limit);
  }

  oldestQueuedAt(instanceId?: string, tenantId?: string | null): Promise<Date | undefined> {
    return oldestQueuedAt(this.db, instanceId, tenantId);
  }

  async setCampaignStatus(campaignId: string, from: MessageStatus[], to: MessageStatus): Promise<number> {
    if (from.length === 0) return 0;
    const result = await this.db
      .updateTable('messages')
      .set({ status: to, updated_at: Date.now() })
      .where('campaign_id', '=', campaignId)
      .where('status', 'in', from)
      .executeTakeFirst();
    return affected(result);
  }

  /** Removes the instance's messages and their media, in one transaction. */
  async deleteByInstance(instanceId: string): Promise<number> {
    return inTransaction(this.db, async (trx) => {
      const ids = trx.selectFrom('messages').select('id').where('instance_id', '=', instanceId);
      await trx.deleteFrom('message_media').where('message_id', 'in', ids).execute();
      const result = await trx
        .deleteFrom('messages')
        .where('instance_id', '=', instanceId)
        .executeTakeFirst();
      return affected(result);
    });
  }

  /**
   * Retention: removes history created before `cutoff`, with its media, in one transaction. Rows
   * still in the outbox (queued, sending, paused) stay: they are waiting to be sent, not history.
   */
  async deleteOlderThan(cutoff: Date): Promise<number> {
    return inTransaction(this.db, async (trx) => {
      const old = trx
        .selectFrom('messages')
        .select('id')
        .where('created_at', '<', cutoff.getTime())
        .where('status', 'not in', LIVE_STATUSES);
      await trx.deleteFrom('message_media').where('message_id', 'in', old).execute();
      const result = await trx
        .deleteFrom('messages')
        .where('created_at', '<', cutoff.getTime())
        .where('status', 'not in', LIVE_STATUSES)
        .executeTakeFirst();
      return affected(result);
    });
  }

  private selectAll(): Query {
    return this.db.selectFrom('messages').selectAll();
  }

  private async insertRow(row: Insertable<MessagesTable>): Promise<Message> {
    const inserted = await translateConflict(row, async () =>
      this.db.isTransaction
        ? (await insertRows(this.db, '1', ...valuesOf([row]))).rows[0]
        : this.queued.add(row),
    );
    if (!inserted) throw new Error(`message ${row.id} was not stored`);
    return toMessage(inserted);
  }
}

/** Every column an insert sets (`seq` is the database's), in the order insertStatement binds them. */
const MESSAGE_COLUMNS = Object.keys(newMessageRow({} as NewMessage, 0)) as ReadonlyArray<
  keyof Insertable<MessagesTable>
>;

const valuesOf = (rows: ReadonlyArray<Insertable<MessagesTable>>): unknown[] =>
  valuesInOrder(MESSAGE_COLUMNS, rows);

/** `shape` is the number of rows: the values of each row in MESSAGE_COLUMNS' order, one after another. */
const insertRows = compiledOnce((db, _shape: string, ...values: unknown[]) =>
  db
    .insertInto('messages')
    .values(boundRows<Insertable<MessagesTable>>(MESSAGE_COLUMNS, values))
    .returningAll(),
);

/** Sends accepted in one turn of the event loop, per statement: a compiled statement per count. */
const QUEUED_ROWS = 100;

/** A unique violation other than the one an insert settles itself, as a conflict error. */
async function translateConflict<T>(row: Insertable<MessagesTable>, insert: () => Promise<T>): Promise<T> {
  try {
    return await insert();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    throw Errors.conflict(`a message with id ${row.id} or WhatsApp id ${row.wa_message_id} already exists`);
  }
}
