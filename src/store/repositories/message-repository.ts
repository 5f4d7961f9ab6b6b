import { type Insertable, type Kysely, type SelectQueryBuilder, sql } from 'kysely';
import type { Message, MessageContent, MessageStatus } from '../../domain/message.ts';
import { Errors } from '../../errors.ts';
import type {
  DirectionStatusCount,
  MessageCountFilter,
  MessageListFilter,
  MessageRepository,
  NewMessage,
  StatusCounts,
} from '../repositories.ts';
import type { Database, MessagesTable } from '../schema.ts';
import {
  countByDirectionAndStatus,
  countByInstanceAndStatus,
  countByStatus,
  countSentSince,
  countSince,
  type InstanceStatusCount,
  oldestQueuedAt,
} from './message-counts.ts';
import {
  EXPIRED_CODE,
  EXPIRED_MESSAGE,
  type MessageRow,
  newMessageRow,
  type ReceiptStatus,
  receiptImplies,
  SENT_STATUSES,
  statusesAtOrAbove,
  toMessage,
} from './message-rows.ts';
import { affected, chunk, decodeCursor, encodeCursor, inTransaction, isUniqueViolation } from './shared.ts';

/** Rows per insert: 20 bound parameters a row, 10 000 a statement, within both dialects' limits. */
const BATCH = 500;

/** Rows still in the outbox, which retention never removes. */
const LIVE_STATUSES: readonly MessageStatus[] = ['queued', 'sending', 'paused'];

type Query = SelectQueryBuilder<Database, 'messages', MessageRow>;

export class MessageSqlRepository implements MessageRepository {
  constructor(private readonly db: Kysely<Database>) {}

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
    const row = newMessageRow(input, Date.now());
    const inserted = await translateConflict(row, () =>
      this.db
        .insertInto('messages')
        .values(row)
        .onConflict((oc) => oc.columns(['instance_id', 'wa_message_id', 'direction']).doNothing())
        .returning('seq')
        .executeTakeFirst(),
    );
    return inserted !== undefined;
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

  /**
   * One statement. Walks the instance's queued rows in `seq` order (messages_instance_status_idx)
   * and takes the first that is due and has no older row of its chat still in the outbox
   * (messages_chat_active_idx, partial, so a chat's sent history is never scanned). An older row
   * that has already expired holds nothing back: it will never be sent.
   */
  async nextDue(instanceId: string, now: Date): Promise<Message | undefined> {
    const row = await this.dueRows(instanceId, now.getTime()).selectAll('m').limit(1).executeTakeFirst();
    return row && toMessage(row);
  }

  /** nextDue and claim in one statement: the row, now `sending` with its attempt counted. */
  async claimNext(instanceId: string, now: Date): Promise<Message | undefined> {
    const at = now.getTime();
    const row = await this.db
      .updateTable('messages')
      .set((eb) => ({ status: 'sending', attempts: eb('attempts', '+', 1), updated_at: at }))
      .where('id', '=', this.dueRows(instanceId, at).select('m.id').limit(1))
      .where('status', '=', 'queued')
      .returningAll()
      .executeTakeFirst();
    return row && toMessage(row);
  }

  private dueRows(instanceId: string, at: number) {
    return this.db
      .selectFrom('messages as m')
      .where('m.instance_id', '=', instanceId)
      .where('m.status', '=', 'queued')
      .where('m.direction', '=', 'outbound')
      .where((eb) => eb.or([eb('m.next_attempt_at', 'is', null), eb('m.next_attempt_at', '<=', at)]))
      .where((eb) => eb.or([eb('m.expires_at', 'is', null), eb('m.expires_at', '>', at)]))
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('messages as o')
              .select(sql.lit(1).as('one'))
              .whereRef('o.instance_id', '=', 'm.instance_id')
              .whereRef('o.chat_jid', '=', 'm.chat_jid')
              .whereRef('o.seq', '<', 'm.seq')
              .where(sql<boolean>`${sql.ref('o.status')} in ('queued', 'sending')`)
              .where((o) =>
                o.or([
                  o('o.status', '=', 'sending'),
                  o('o.expires_at', 'is', null),
                  o('o.expires_at', '>', at),
                ]),
              ),
          ),
        ),
      )
      .orderBy('m.seq');
  }

  async expireDue(instanceId: string, now: Date): Promise<string[]> {
    const rows = await this.db
      .updateTable('messages')
      .set({
        status: 'failed',
        error_code: EXPIRED_CODE,
        error_message: EXPIRED_MESSAGE,
        updated_at: now.getTime(),
      })
      .where('instance_id', '=', instanceId)
      .where('status', '=', 'queued')
      .where('expires_at', '<=', now.getTime())
      .returning(['id', 'seq'])
      .execute();
    return rows.toSorted((a, b) => Number(a.seq) - Number(b.seq)).map((r) => r.id);
  }

  async claim(id: string, now: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('messages')
      .set((eb) => ({ status: 'sending', attempts: eb('attempts', '+', 1), updated_at: now.getTime() }))
      .where('id', '=', id)
      .where('status', '=', 'queued')
      .executeTakeFirst();
    return affected(result) === 1;
  }

  /** Clears the error of earlier attempts; a receipt that got there first keeps its status. */
  async markSent(id: string, at: Date): Promise<Message | undefined> {
    const ms = at.getTime();
    const row = await this.db
      .updateTable('messages')
      .set((eb) => ({
        status: eb.case().when('status', 'in', SENT_STATUSES).then(eb.ref('status')).else('sent').end(),
        sent_at: eb.fn.coalesce('sent_at', eb.val(ms)),
        error_code: null,
        error_message: null,
        updated_at: ms,
      }))
      .where('id', '=', id)
      // a refusal that overtook the send's own completion stands
      .where('status', '!=', 'failed')
      .returningAll()
      .executeTakeFirst();
    return row && toMessage(row);
  }

  /** A row a receipt has already shown to be sent stays as it is. */
  async markFailed(id: string, code: string, message: string, at: Date): Promise<Message | undefined> {
    const row = await this.db
      .updateTable('messages')
      .set({ status: 'failed', error_code: code, error_message: message, updated_at: at.getTime() })
      .where('id', '=', id)
      .where('status', 'not in', SENT_STATUSES)
      .returningAll()
      .executeTakeFirst();
    return row && toMessage(row);
  }

  /** WhatsApp refused a message it had acked: a `sent` row (not yet delivered) becomes failed. */
  async markRejected(id: string, code: string, message: string, at: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('messages')
      .set({ status: 'failed', error_code: code, error_message: message, updated_at: at.getTime() })
      .where('id', '=', id)
      .where('status', 'in', ['sending', 'sent'])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Only a row being sent (or still queued): a receipt that arrived meanwhile means it was sent. */
  async scheduleRetry(id: string, nextAttemptAt: Date, code: string, message: string): Promise<void> {
    await this.db
      .updateTable('messages')
      .set({
        status: 'queued',
        next_attempt_at: nextAttemptAt.getTime(),
        error_code: code,
        error_message: message,
        updated_at: Date.now(),
      })
      .where('id', '=', id)
      .where('status', 'in', ['sending', 'queued'])
      .execute();
  }

  /**
   * Moves the outbound row from any status ranked below `status` (unranked ones, such as sending,
   * queued for a retry or failed by a timeout, count as below: the receipt proves it was sent) and
   * stamps sentAt, deliveredAt and readAt as far as the receipt implies, keeping earlier stamps.
   */
  async applyReceipt(
    instanceId: string,
    waMessageId: string,
    status: ReceiptStatus,
    at: Date,
  ): Promise<Message | undefined> {
    const ms = at.getTime();
    const row = await this.db
      .updateTable('messages')
      .set((eb) => ({
        status,
        updated_at: ms,
        sent_at: eb.fn.coalesce('sent_at', eb.val(ms)),
        delivered_at: receiptImplies(status, 'delivered')
          ? eb.fn.coalesce('delivered_at', eb.val(ms))
          : eb.ref('delivered_at'),
        read_at: receiptImplies(status, 'read') ? eb.fn.coalesce('read_at', eb.val(ms)) : eb.ref('read_at'),
      }))
      .where('instance_id', '=', instanceId)
      .where('wa_message_id', '=', waMessageId)
      .where('direction', '=', 'outbound')
      .where('status', 'not in', statusesAtOrAbove(status))
      // a server ack does not undo the server's refusal; only a receipt from the recipient does
      .where((eb) => (status === 'sent' ? eb('status', '!=', 'failed') : eb.lit(true)))
      .returningAll()
      .executeTakeFirst();
    return row && toMessage(row);
  }

  async requeueSending(instanceId: string): Promise<number> {
    const result = await this.db
      .updateTable('messages')
      .set({ status: 'queued', updated_at: Date.now() })
      .where('instance_id', '=', instanceId)
      .where('status', '=', 'sending')
      .executeTakeFirst();
    return affected(result);
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
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.type) query = query.where('type', '=', filter.type);
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

  countByInstanceAndStatus(tenantId?: string | null): Promise<InstanceStatusCount[]> {
    return countByInstanceAndStatus(this.db, tenantId);
  }

  countByDirectionAndStatus(filter: MessageCountFilter): Promise<DirectionStatusCount[]> {
    return countByDirectionAndStatus(this.db, filter);
  }

  countSince(filter: MessageCountFilter, since: Date): Promise<number> {
    return countSince(this.db, filter, since);
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
    const inserted = await translateConflict(row, () =>
      this.db.insertInto('messages').values(row).returningAll().executeTakeFirstOrThrow(),
    );
    return toMessage(inserted);
  }
}

/** A unique violation other than the one an insert settles itself, as a conflict error. */
async function translateConflict<T>(row: Insertable<MessagesTable>, insert: () => Promise<T>): Promise<T> {
  try {
    return await insert();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    throw Errors.conflict(`a message with id ${row.id} or WhatsApp id ${row.wa_message_id} already exists`);
  }
}
