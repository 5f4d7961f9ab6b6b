import type { ColumnType } from 'kysely';

type Millis = ColumnType<number, number, number>;
/** 0/1 on both dialects. */
type Flag = number;

export interface ChatsTable {
  instance_id: string;
  jid: string;
  name: string | null;
  unread_count: number;
  archived: Flag;
  pinned: Flag;
  /** Epoch ms; -1: for ever; null: not muted. */
  muted_until: number | null;
  last_message_id: string | null;
  last_message_from_me: Flag | null;
  last_message_type: string | null;
  last_message_text: string | null;
  last_message_at: Millis | null;
  updated_at: Millis;
}

export interface ContactsTable {
  instance_id: string;
  jid: string;
  phone: string | null;
  lid: string | null;
  name: string | null;
  push_name: string | null;
  updated_at: Millis;
}
