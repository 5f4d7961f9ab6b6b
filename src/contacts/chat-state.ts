import type { ChatRecord } from '../store/chat-repositories.ts';

/** A chat as the API shows it: `GET /chats` items and the `data` of `chat.update` events. */
export interface ChatState {
  jid: string;
  name: string | null;
  unreadCount: number;
  archived: boolean;
  pinned: boolean;
  muted: boolean;
  /** ISO time; null: not muted, or muted for ever. */
  mutedUntil: string | null;
  lastMessage: {
    waMessageId: string;
    fromMe: boolean;
    type: string;
    text: string | null;
    timestamp: string;
  } | null;
  updatedAt: string;
}

export function chatStateOf(c: ChatRecord, now = Date.now()): ChatState {
  return {
    jid: c.jid,
    name: c.name,
    unreadCount: c.unreadCount,
    archived: c.archived,
    pinned: c.pinned,
    muted: c.mutedUntil !== null && (c.mutedUntil < 0 || c.mutedUntil > now),
    mutedUntil: c.mutedUntil !== null && c.mutedUntil > 0 ? new Date(c.mutedUntil).toISOString() : null,
    lastMessage: c.lastMessage && { ...c.lastMessage, timestamp: c.lastMessage.timestamp.toISOString() },
    updatedAt: c.updatedAt.toISOString(),
  };
}
