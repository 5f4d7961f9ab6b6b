import { type Insertable, type Selectable, sql } from 'kysely';
import {
  type Message,
  type MessageContent,
  type MessageDirection,
  type MessageStatus,
  type MessageType,
  RECEIPT_RANK,
} from '../../domain/message.ts';
import type { NewMessage } from '../repositories.ts';
import type { MessagesTable } from '../schema.ts';
import { parseObject, toDate, toDateOrNull } from './shared.ts';

/** Row ↔ domain mapping of `messages`. */

export type MessageRow = Selectable<MessagesTable>;

/** Every column of a row, for the statements that must name them (a prepared one: compiled-once.ts). */
export const MESSAGE_ROW_COLUMNS = [
  'seq',
  'id',
  'instance_id',
  'tenant_id',
  'wa_message_id',
  'direction',
  'chat_jid',
  'type',
  'content',
  'status',
  'error_code',
  'error_message',
  'attempts',
  'next_attempt_at',
  'idempotency_key',
  'campaign_id',
  'expires_at',
  'created_at',
  'updated_at',
  'sent_at',
  'delivered_at',
  'read_at',
] as const satisfies ReadonlyArray<keyof MessageRow>;

// a column added to the table and not named above fails the build here
true satisfies Exclude<keyof MessageRow, (typeof MESSAGE_ROW_COLUMNS)[number]> extends never ? true : never;

/** Statuses a receipt can move a row to, and the ones that already count as sent. */
export type ReceiptStatus = 'sent' | 'delivered' | 'read' | 'played';
export const SENT_STATUSES: readonly ReceiptStatus[] = ['sent', 'delivered', 'read', 'played'];

/**
 * `status = '<status>'` with the status written into the SQL, not bound: SQLite chooses a
 * statement's indexes when it prepares it, and uses a partial index only when the statement's
 * WHERE holds the index's own condition (migration 013: the queued, sending and failed rows). A
 * compiledOnce statement writes its constants in by itself; this is for the others.
 */
export const hasStatus = (status: MessageStatus, column: 'status' | 'm.status' = 'status') =>
  sql<boolean>`${sql.ref(column)} = ${sql.lit(status)}`;

/** Code of rows that expired in the outbox before they could be sent. */
export const EXPIRED_CODE = 'ZG_ERR_EXPIRED';
export const EXPIRED_MESSAGE = 'expired before it could be sent (expires_at passed)';

export function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    seq: Number(row.seq),
    instanceId: row.instance_id,
    tenantId: row.tenant_id,
    waMessageId: row.wa_message_id,
    direction: row.direction as MessageDirection,
    chatJid: row.chat_jid,
    type: row.type as MessageType,
    content: parseObject(row.content) as MessageContent,
    status: row.status as MessageStatus,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    attempts: Number(row.attempts),
    nextAttemptAt: toDateOrNull(row.next_attempt_at),
    idempotencyKey: row.idempotency_key,
    campaignId: row.campaign_id,
    expiresAt: toDateOrNull(row.expires_at),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    sentAt: toDateOrNull(row.sent_at),
    deliveredAt: toDateOrNull(row.delivered_at),
    readAt: toDateOrNull(row.read_at),
  };
}

const millisOrNull = (date: Date | null | undefined): number | null => (date ? date.getTime() : null);

/** The row a new message is inserted as; `now` stamps createdAt (unless given) and updatedAt. */
export function newMessageRow(input: NewMessage, now: number): Insertable<MessagesTable> {
  return {
    id: input.id,
    instance_id: input.instanceId,
    tenant_id: input.tenantId,
    wa_message_id: input.waMessageId,
    direction: input.direction,
    chat_jid: input.chatJid,
    type: input.type,
    content: JSON.stringify(input.content),
    status: input.status,
    error_code: null,
    error_message: null,
    attempts: 0,
    next_attempt_at: millisOrNull(input.nextAttemptAt),
    idempotency_key: input.idempotencyKey ?? null,
    campaign_id: input.campaignId ?? null,
    expires_at: millisOrNull(input.expiresAt),
    created_at: input.createdAt?.getTime() ?? now,
    updated_at: now,
    sent_at: null,
    delivered_at: null,
    read_at: null,
  };
}

/** Whether a receipt of `status` implies the row got as far as `step` (a read one was delivered). */
export const receiptImplies = (status: ReceiptStatus, step: ReceiptStatus): boolean =>
  (RECEIPT_RANK[status] ?? 0) >= (RECEIPT_RANK[step] ?? Number.POSITIVE_INFINITY);

/** The sent statuses ranked below `status` in RECEIPT_RANK: those a receipt of `status` moves on from. */
export function sentStatusesBelow(status: ReceiptStatus): ReceiptStatus[] {
  const rank = RECEIPT_RANK[status] ?? 0;
  return SENT_STATUSES.filter((s) => (RECEIPT_RANK[s] ?? 0) < rank);
}
