import type { Message, MessageContent, MessageDirection, MessageStatus, MessageType } from './message.ts';

/**
 * A message as the API shows it everywhere: the history (`GET /messages`), the answers of sends,
 * edits and revokes, and the `data` of the message events (received, sent, reaction, status).
 * An inbound message's sender is `content.sender`; the chat is `chat`.
 */
export interface MessageJson {
  id: string;
  waMessageId: string;
  direction: MessageDirection;
  chat: string;
  type: MessageType;
  content: MessageContent;
  status: MessageStatus;
  error: { code: string; message: string } | null;
  attempts: number;
  campaignId: string | null;
  createdAt: string;
  sentAt: string | null;
  deliveredAt: string | null;
  readAt: string | null;
}

/** What a message's JSON is made of: a stored row, or one about to be stored. */
export type MessageFields = Pick<
  Message,
  | 'id'
  | 'waMessageId'
  | 'direction'
  | 'chatJid'
  | 'type'
  | 'content'
  | 'status'
  | 'errorCode'
  | 'errorMessage'
  | 'attempts'
  | 'campaignId'
  | 'createdAt'
  | 'sentAt'
  | 'deliveredAt'
  | 'readAt'
>;

/** The one builder of MessageJson: history routes and events both call it. */
export function messageJson(m: MessageFields): MessageJson {
  return {
    id: m.id,
    waMessageId: m.waMessageId,
    direction: m.direction,
    chat: m.chatJid,
    type: m.type,
    content: m.content,
    status: m.status,
    error: m.errorCode ? { code: m.errorCode, message: m.errorMessage ?? '' } : null,
    attempts: m.attempts,
    campaignId: m.campaignId,
    createdAt: m.createdAt.toISOString(),
    sentAt: m.sentAt?.toISOString() ?? null,
    deliveredAt: m.deliveredAt?.toISOString() ?? null,
    readAt: m.readAt?.toISOString() ?? null,
  };
}

/** The fields of a message just received, as its row is inserted (no error, attempts or receipts yet). */
export const RECEIVED_DEFAULTS = {
  errorCode: null,
  errorMessage: null,
  attempts: 0,
  campaignId: null,
  sentAt: null,
  deliveredAt: null,
  readAt: null,
} as const satisfies Partial<MessageFields>;
