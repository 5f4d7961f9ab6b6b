import type { Kysely } from 'kysely';
import type { Message } from '../../domain/message.ts';
import type { Database } from '../schema.ts';
import { compiledOnce } from './compiled-once.ts';
import {
  EXPIRED_CODE,
  EXPIRED_MESSAGE,
  hasStatus,
  MESSAGE_ROW_COLUMNS,
  type ReceiptStatus,
  receiptImplies,
  SENT_STATUSES,
  sentStatusesBelow,
  toMessage,
} from './message-rows.ts';
import { affected, isPostgres } from './shared.ts';

/**
 * The outbox's transitions of a `messages` row, each one statement guarded by the statuses it may
 * leave, so a late or racing update can never move a row backwards:
 *
 * | transition     | from                                        | to                                  |
 * | -------------- | ------------------------------------------- | ----------------------------------- |
 * | claim          | queued                                      | sending, attempt counted            |
 * | claimNext      | queued and due, first of its chat           | sending (outbox-next-due.ts)        |
 * | markSent       | queued, sending                             | sent, error cleared                 |
 * | markFailed     | anything not yet sent (SENT_STATUSES)       | failed                              |
 * | markRejected   | sending, sent (the server's ack refused it) | failed                              |
 * | scheduleRetry  | sending, queued                             | queued, due later                   |
 * | applyReceipt   | anything ranked below the receipt (an ack   | the receipt's status, dates stamped |
 * |                | does not undo a refusal; a receipt does)    |                                     |
 * | expireDue      | queued past expires_at                      | failed (ZG_ERR_EXPIRED)             |
 * | requeueSending | sending (left by a crash)                   | queued                              |
 */

/**
 * Asked once a second per sending loop, and nearly always with nothing to expire: a first statement
 * says whether there is anything, from a plan PostgreSQL keeps (ORDER BY and LIMIT 1, so that plan
 * is a probe of messages_queued_expiry_idx: with LIMIT 1 alone it was a sequential scan of the
 * table, 1,147 buffers with 64,000 rows, against 2); the update, which it plans anew each call for
 * the time it is given, runs only when there is.
 */
export async function expireDue(db: Kysely<Database>, instanceId: string, now: Date): Promise<string[]> {
  const at = now.getTime();
  const { rows: first } = await firstExpiredStatement(db, '', instanceId, at);
  if (first.length === 0) return [];
  const { rows } = await expireStatement(db, '', instanceId, at);
  return rows.toSorted((a, b) => Number(a.seq) - Number(b.seq)).map((r) => r.id);
}

const firstExpiredStatement = compiledOnce(
  (db, _: '', instanceId: string, at: number) =>
    db
      .selectFrom('messages')
      .select('seq')
      .where('instance_id', '=', instanceId)
      .where('status', '=', 'queued')
      .where('expires_at', '<=', at)
      .orderBy('expires_at')
      .limit(1),
  { prepared: true },
);

const expireStatement = compiledOnce(
  (db, _: '', instanceId: string, at: number) =>
    db
      .updateTable('messages')
      .set({ status: 'failed', error_code: EXPIRED_CODE, error_message: EXPIRED_MESSAGE, updated_at: at })
      .where('instance_id', '=', instanceId)
      .where('status', '=', 'queued')
      .where('expires_at', '<=', at)
      .returning(['id', 'seq']),
  { prepared: true },
);

export async function claim(db: Kysely<Database>, id: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('messages')
    .set((eb) => ({ status: 'sending', attempts: eb('attempts', '+', 1), updated_at: now.getTime() }))
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .executeTakeFirst();
  return affected(result) === 1;
}

/**
 * Clears the error of earlier attempts. Only a row not yet shown sent moves: a receipt that got
 * there first (under load a delivery receipt often overtakes the sender's own record: for 42-51 %
 * of the texts of `bench:peer-bullmq -- --db postgres`, by pg_stat_statements) has stamped
 * `sent_at` and told its status, and a second `message.status` of the same row would repeat it. A
 * refusal that overtook the send's own completion stands too.
 */
export async function markSent(db: Kysely<Database>, id: string, at: Date): Promise<Message | undefined> {
  const { rows } = await markSentStatement(db, '', id, at.getTime());
  return rows[0] && toMessage(rows[0]);
}

const markSentStatement = compiledOnce(
  (db, _: '', id: string, ms: number) =>
    db
      .updateTable('messages')
      .set({ status: 'sent', sent_at: ms, error_code: null, error_message: null, updated_at: ms })
      .where('id', '=', id)
      .where('status', 'in', ['queued', 'sending'])
      .returning(MESSAGE_ROW_COLUMNS),
  { prepared: true },
);

/** A row a receipt has already shown to be sent stays as it is. */
export async function markFailed(
  db: Kysely<Database>,
  id: string,
  code: string,
  message: string,
  at: Date,
): Promise<Message | undefined> {
  const row = await db
    .updateTable('messages')
    .set({ status: 'failed', error_code: code, error_message: message, updated_at: at.getTime() })
    .where('id', '=', id)
    .where('status', 'not in', SENT_STATUSES)
    .returningAll()
    .executeTakeFirst();
  return row && toMessage(row);
}

/** WhatsApp refused a message it had acked: a `sent` row (not yet delivered) becomes failed. */
export async function markRejected(
  db: Kysely<Database>,
  id: string,
  code: string,
  message: string,
  at: Date,
): Promise<boolean> {
  const result = await db
    .updateTable('messages')
    .set({ status: 'failed', error_code: code, error_message: message, updated_at: at.getTime() })
    .where('id', '=', id)
    .where('status', 'in', ['sending', 'sent'])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Only a row being sent (or still queued): a receipt that arrived meanwhile means it was sent. */
export async function scheduleRetry(
  db: Kysely<Database>,
  id: string,
  nextAttemptAt: Date,
  code: string,
  message: string,
): Promise<void> {
  await db
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
 *
 * Nearly always the row is sent already, and a first statement moves only such a row, leaving
 * `sent_at` out of its SET: SQLite rewrites the entries of every index on a column a statement
 * sets, changed or not, and each receipt dirtied a page of messages_sent_idx (a fifth of the pages
 * a message cost from claim to `read`). A row not yet sent takes the second statement.
 */
export async function applyReceipt(
  db: Kysely<Database>,
  instanceId: string,
  waMessageId: string,
  status: ReceiptStatus,
  at: Date,
): Promise<Message | undefined> {
  const ms = at.getTime();
  // PostgreSQL writes a new entry in every index whatever the SET (status is in their conditions),
  // so there one statement serves both: the second was a round trip for 42-51 % of the receipts
  if (isPostgres(db)) {
    const { rows } = await receiptStatement(db, `${status}:any`, instanceId, waMessageId, ms);
    return rows[0] && toMessage(rows[0]);
  }
  if (status !== 'sent') {
    const { rows } = await receiptStatement(db, `${status}:sent`, instanceId, waMessageId, ms);
    if (rows[0]) return toMessage(rows[0]);
  }
  const { rows } = await receiptStatement(db, `${status}:unsent`, instanceId, waMessageId, ms);
  return rows[0] && toMessage(rows[0]);
}

/**
 * The receipt, and which rows it moves: `sent`, those already sent (ranked below the receipt);
 * `unsent`, those not yet shown sent; `any`, either.
 */
type ReceiptShape = `${ReceiptStatus}:${'sent' | 'unsent' | 'any'}`;

/** The shape decides which stamps move and which rows stay. */
const receiptStatement = compiledOnce(
  (db, shape: ReceiptShape, instanceId: string, waMessageId: string, ms: number) => {
    const [status, from] = shape.split(':') as [ReceiptStatus, 'sent' | 'unsent' | 'any'];
    const query = db
      .updateTable('messages')
      .set((eb) => ({
        status,
        updated_at: ms,
        // a row not yet shown sent: the receipt is its send's outcome, and clears earlier errors
        // (a row already sent has none, and its sent_at stays)
        ...(from === 'sent'
          ? {}
          : { sent_at: eb.fn.coalesce('sent_at', eb.val(ms)), error_code: null, error_message: null }),
        delivered_at: receiptImplies(status, 'delivered')
          ? eb.fn.coalesce('delivered_at', eb.val(ms))
          : eb.ref('delivered_at'),
        read_at: receiptImplies(status, 'read') ? eb.fn.coalesce('read_at', eb.val(ms)) : eb.ref('read_at'),
      }))
      .where('instance_id', '=', instanceId)
      .where('wa_message_id', '=', waMessageId)
      .where('direction', '=', 'outbound');
    const below = sentStatusesBelow(status);
    return query
      .where((eb) => {
        const sent = below.length > 0 ? eb('status', 'in', below) : eb.lit(false);
        const unsent = eb.and([
          eb('status', 'not in', SENT_STATUSES),
          // a server ack does not undo the server's refusal; only a receipt from the recipient does
          status === 'sent' ? eb('status', '!=', 'failed') : eb.lit(true),
        ]);
        return from === 'sent' ? sent : from === 'unsent' ? unsent : eb.or([sent, unsent]);
      })
      .returning(MESSAGE_ROW_COLUMNS);
  },
  // prepared: a sent message gets up to three receipts (sent, delivered, read)
  { prepared: true },
);

export async function requeueSending(db: Kysely<Database>, instanceId: string): Promise<number> {
  const result = await db
    .updateTable('messages')
    .set({ status: 'queued', updated_at: Date.now() })
    .where('instance_id', '=', instanceId)
    .where(hasStatus('sending'))
    .executeTakeFirst();
  return affected(result);
}
