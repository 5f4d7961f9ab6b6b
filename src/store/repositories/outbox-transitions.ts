import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import type { Message } from '../../domain/message.ts';
import type { LeaseFence } from '../repositories.ts';
import type { Database, MessagesTable } from '../schema.ts';
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
 * | claim(Next)    | queued (and due)                            | sending, attempt counted            |
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
 * One statement. Walks the instance's queued rows in `seq` order (messages_queued_idx, partial)
 * and takes the first that is due and has no older row of its chat still in the outbox (queued or
 * being sent: two more partial indexes, so a chat's sent history is never scanned). An older row
 * that has already expired holds nothing back: it will never be sent. Nor does one scheduled for
 * later and not yet tried (a campaign's `startAt`): a chat's order holds among rows that are due.
 * A row waiting for a retry has been tried, and still holds its chat back. The walk passes every
 * queued row ahead of the first due one: 10,000 rows scheduled for later ahead of it cost 5.6 ms
 * on SQLite and 6.5-13 ms on PostgreSQL a call (issue 12).
 */
export async function nextDue(
  db: Kysely<Database>,
  instanceId: string,
  now: Date,
): Promise<Message | undefined> {
  const { rows } = await nextDueStatement(db, '', instanceId, now.getTime());
  return rows[0] && toMessage(rows[0]);
}

const nextDueStatement = compiledOnce(
  (db, _: '', instanceId: string, at: number) =>
    dueRows(db, instanceId, at)
      .select(MESSAGE_ROW_COLUMNS.map((column) => `m.${column}` as const))
      .limit(1),
  { prepared: true },
);

/** The soonest `next_attempt_at` after `now` among the instance's queued rows (a `startAt`, a retry). */
export async function nextScheduledAt(
  db: Kysely<Database>,
  instanceId: string,
  now: Date,
): Promise<Date | undefined> {
  const { rows } = await nextScheduledStatement(db, '', instanceId, now.getTime());
  const at = rows[0]?.next_attempt_at;
  return at == null ? undefined : new Date(Number(at));
}

// The status written in (compiledOnce): so both answer from messages_queued_schedule_idx. An
// ORDER BY and LIMIT, not min(): PostgreSQL then keeps its generic plan, which it judged dearer than
// planning min() anew with each call's time (0.14 against 0.43 ms a call).
const nextScheduledStatement = compiledOnce(
  (db, _: '', instanceId: string, at: number) =>
    db
      .selectFrom('messages')
      .select('next_attempt_at')
      .where('instance_id', '=', instanceId)
      .where('status', '=', 'queued')
      .where('next_attempt_at', '>', at)
      .orderBy('next_attempt_at')
      .limit(1),
  { prepared: true },
);

/**
 * nextDue and claim in one statement: the row, now `sending` with its attempt counted. With a
 * fence, only while `fence.nodeId` still holds the instance's lease at `fence.epoch`: a worker
 * that stalled past its lease claims nothing once another has taken the instance over.
 */
export async function claimNext(
  db: Kysely<Database>,
  instanceId: string,
  now: Date,
  fence?: LeaseFence,
): Promise<Message | undefined> {
  const at = now.getTime();
  const { rows } = fence
    ? await claimFencedStatement(db, '', instanceId, at, fence.nodeId, fence.epoch)
    : await claimStatement(db, '', instanceId, at);
  return rows[0] && toMessage(rows[0]);
}

/**
 * On SQLite, which runs one writer at a time, the row cannot change between the walk and the
 * update; the status is checked again all the same. On PostgreSQL the walk locks the row it takes
 * (FOR UPDATE), and a row another transaction changed meanwhile is checked again as it now stands,
 * and passed over if it is no longer due. There the update names no status: with `status =
 * 'queued'` in its WHERE, and statistics taken while nothing was queued, the planner found the row
 * by scanning a partial index of queued rows to the end instead of by its primary key (2,226
 * buffers against 11, with 6,000 rows queued).
 */
const claimUpdate = (db: Kysely<Database>, instanceId: string, at: number) => {
  const update = db
    .updateTable('messages')
    .set((eb) => ({ status: 'sending', attempts: eb('attempts', '+', 1), updated_at: at }));
  const walk = dueRows(db, instanceId, at).select('m.id').limit(1);
  return isPostgres(db)
    ? update.where('id', '=', walk.forUpdate())
    : update.where('id', '=', walk).where('status', '=', 'queued');
};

const claimStatement = compiledOnce(
  (db, _: '', instanceId: string, at: number) =>
    claimUpdate(db, instanceId, at).returning(MESSAGE_ROW_COLUMNS),
  { prepared: true },
);

const claimFencedStatement = compiledOnce(
  (db, _: '', instanceId: string, at: number, nodeId: string, epoch: number) =>
    claimUpdate(db, instanceId, at)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('instances as i')
            .select(sql.lit(1).as('one'))
            .where('i.id', '=', instanceId)
            .where('i.owner', '=', nodeId)
            .where('i.lease_epoch', '=', epoch)
            .where('i.lease_until', '>=', at),
        ),
      )
      .returning(MESSAGE_ROW_COLUMNS),
  { prepared: true },
);

function dueRows(db: Kysely<Database>, instanceId: string, at: number) {
  return db
    .selectFrom('messages as m')
    .where('m.instance_id', '=', instanceId)
    .where('m.status', '=', 'queued')
    .where('m.direction', '=', 'outbound')
    .where((eb) => eb.or([eb('m.next_attempt_at', 'is', null), eb('m.next_attempt_at', '<=', at)]))
    .where((eb) => eb.or([eb('m.expires_at', 'is', null), eb('m.expires_at', '>', at)]))
    .where((eb) =>
      eb.not(
        eb.exists(
          olderOfChat(db, eb, 'queued')
            .where((o) => o.or([o('o.expires_at', 'is', null), o('o.expires_at', '>', at)]))
            .where((o) =>
              o.or([
                o('o.attempts', '>', 0),
                o('o.next_attempt_at', 'is', null),
                o('o.next_attempt_at', '<=', at),
              ]),
            ),
        ),
      ),
    )
    .where((eb) => eb.not(eb.exists(olderOfChat(db, eb, 'sending'))))
    .orderBy('m.seq');
}

type MessagesAsM = Database & { m: MessagesTable };

/**
 * The rows of `m`'s chat ahead of it in one status: messages_chat_queued_idx, messages_sending_idx.
 * On PostgreSQL, `OFFSET 0` keeps each a probe of its index for the row the walk is at. Without it
 * the planner may turn NOT EXISTS into an anti join, and with statistics taken while few rows were
 * queued it scanned the instance's queued rows in full for every claim, matching chat and seq as a
 * join filter. The claim read 920 buffers a call in bench:peer-bullmq, and 33 with this and its
 * lock (claimUpdate; bench/RESULTS.md).
 */
const olderOfChat = (
  db: Kysely<Database>,
  eb: ExpressionBuilder<MessagesAsM, 'm'>,
  status: 'queued' | 'sending',
) => {
  const older = eb
    .selectFrom('messages as o')
    .select(sql.lit(1).as('one'))
    .whereRef('o.instance_id', '=', 'm.instance_id')
    .whereRef('o.chat_jid', '=', 'm.chat_jid')
    .whereRef('o.seq', '<', 'm.seq')
    .where('o.status', '=', status);
  return isPostgres(db) ? older.offset(0) : older;
};

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
