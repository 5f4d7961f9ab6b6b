import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import type { Message } from '../../domain/message.ts';
import type { LeaseFence } from '../repositories.ts';
import type { Database, MessagesTable } from '../schema.ts';
import { compiledOnce } from './compiled-once.ts';
import { MESSAGE_ROW_COLUMNS, toMessage } from './message-rows.ts';
import { isPostgres } from './shared.ts';

/** Which of an instance's queued rows goes next: the walk, and the claim that takes what it finds. */

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
