/** The chats and contacts of an instance, as the store keeps them. */

export interface ChatLastMessageRecord {
  waMessageId: string;
  fromMe: boolean;
  type: string;
  text: string | null;
  timestamp: Date;
}

export interface ChatRecord {
  instanceId: string;
  jid: string;
  name: string | null;
  unreadCount: number;
  archived: boolean;
  pinned: boolean;
  /** Epoch ms; -1: for ever; null: not muted. */
  mutedUntil: number | null;
  lastMessage: ChatLastMessageRecord | null;
  updatedAt: Date;
}

/** Fields to change; absent ones stay. A last message older than the stored one is ignored. */
export interface ChatPatch {
  name?: string | null;
  unreadCount?: number;
  /** Adds to the unread count (a message received). */
  unreadIncrement?: number;
  /** Marked unread: at least one unread. */
  markedUnread?: boolean;
  archived?: boolean;
  pinned?: boolean;
  mutedUntil?: number | null;
  lastMessage?: ChatLastMessageRecord;
}

export interface ChatPage {
  items: ChatRecord[];
  nextCursor: string | null;
}

export interface ChatRepository {
  /** Creates the chat or changes it, one transaction for the batch. */
  upsertMany(instanceId: string, changes: Array<{ jid: string; patch: ChatPatch }>): Promise<void>;
  get(instanceId: string, jid: string): Promise<ChatRecord | undefined>;
  /** Newest last message first; `archived` filters when given. */
  list(
    instanceId: string,
    options: { limit: number; cursor?: string; archived?: boolean },
  ): Promise<ChatPage>;
  delete(instanceId: string, jid: string): Promise<boolean>;
  deleteByInstance(instanceId: string): Promise<number>;
}

export interface ContactRecord {
  instanceId: string;
  jid: string;
  phone: string | null;
  lid: string | null;
  name: string | null;
  pushName: string | null;
  updatedAt: Date;
}

export type ContactPatch = Partial<Pick<ContactRecord, 'phone' | 'lid' | 'name' | 'pushName'>>;

export interface ContactPage {
  items: ContactRecord[];
  nextCursor: string | null;
}

export interface ContactRepository {
  upsertMany(instanceId: string, changes: Array<{ jid: string; patch: ContactPatch }>): Promise<void>;
  /** By its jid, or by its LID or phone number jid. */
  find(instanceId: string, jid: string): Promise<ContactRecord | undefined>;
  list(instanceId: string, options: { limit: number; cursor?: string }): Promise<ContactPage>;
  deleteByInstance(instanceId: string): Promise<number>;
}
