import { type Kysely, type Selectable, sql } from 'kysely';
import { Errors } from '../../errors.ts';
import type { ChatPage, ChatPatch, ChatRecord, ChatRepository } from '../chat-repositories.ts';
import type { ChatsTable } from '../chat-schema.ts';
import { grouped } from '../group-commit.ts';
import type { Database } from '../schema.ts';
import { shapeOf, upsertChat } from './chat-upsert.ts';
import { BATCHED_SHAPES, ChatUpsertBatch } from './chat-upsert-batch.ts';
import { cursorJid } from './jid-cursor.ts';
import { affected, inTransaction, toDate } from './shared.ts';

type Row = Selectable<ChatsTable>;

const toChat = (row: Row): ChatRecord => ({
  instanceId: row.instance_id,
  jid: row.jid,
  name: row.name,
  unreadCount: Number(row.unread_count),
  archived: Number(row.archived) === 1,
  pinned: Number(row.pinned) === 1,
  mutedUntil: row.muted_until === null ? null : Number(row.muted_until),
  lastMessage:
    row.last_message_id && row.last_message_at !== null
      ? {
          waMessageId: row.last_message_id,
          fromMe: Number(row.last_message_from_me) === 1,
          type: row.last_message_type ?? 'unknown',
          text: row.last_message_text,
          timestamp: toDate(row.last_message_at),
        }
      : null,
  updatedAt: toDate(row.updated_at),
});

/** A page position: the last item's message time (0 when none) and jid. */
const encodeChatCursor = (at: number, jid: string): string =>
  Buffer.from(JSON.stringify([at, jid]), 'utf8').toString('base64url');

function decodeChatCursor(cursor: string): [number, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && Number.isSafeInteger(value[0]) && typeof value[1] === 'string')
      return [value[0] as number, cursorJid(value[1])];
  } catch {
    // falls through to the validation error
  }
  throw Errors.validation('cursor is not one this API returned');
}

export class ChatSqlRepository implements ChatRepository {
  private readonly batch: ChatUpsertBatch;

  constructor(private readonly db: Kysely<Database>) {
    this.batch = new ChatUpsertBatch(db);
  }

  async upsertMany(instanceId: string, changes: Array<{ jid: string; patch: ChatPatch }>): Promise<void> {
    const now = Date.now();
    const [only] = changes;
    // one message's change (the usual case): with the other instances' of this turn of the event
    // loop, or one statement, committed with others on SQLite
    if (changes.length === 1 && only && !this.db.isTransaction && BATCHED_SHAPES.has(shapeOf(only.patch)))
      return this.batch.add(instanceId, only.jid, only.patch, now);
    if (changes.length === 1 && only)
      return grouped(this.db, (trx) => upsertChat(trx, instanceId, only.jid, only.patch, now));
    if (changes.length === 0) return;
    await inTransaction(this.db, async (trx) => {
      for (const { jid, patch } of changes) await upsertChat(trx, instanceId, jid, patch, now);
    });
  }

  async get(instanceId: string, jid: string): Promise<ChatRecord | undefined> {
    const row = await this.db
      .selectFrom('chats')
      .selectAll()
      .where('instance_id', '=', instanceId)
      .where('jid', '=', jid)
      .executeTakeFirst();
    return row && toChat(row);
  }

  async list(
    instanceId: string,
    options: { limit: number; cursor?: string; archived?: boolean },
  ): Promise<ChatPage> {
    const at = sql<number>`coalesce(last_message_at, 0)`;
    let query = this.db.selectFrom('chats').selectAll().where('instance_id', '=', instanceId);
    if (options.archived !== undefined) query = query.where('archived', '=', options.archived ? 1 : 0);
    if (options.cursor) {
      const [cursorAt, cursorJid] = decodeChatCursor(options.cursor);
      query = query.where((eb) =>
        eb.or([eb(at, '<', cursorAt), eb.and([eb(at, '=', cursorAt), eb('jid', '>', cursorJid)])]),
      );
    }
    const rows = await query
      .orderBy(at, 'desc')
      .orderBy('jid')
      .limit(options.limit + 1)
      .execute();
    const items = rows.slice(0, options.limit).map(toChat);
    const last = items[items.length - 1];
    const nextCursor =
      rows.length > options.limit && last
        ? encodeChatCursor(last.lastMessage?.timestamp.getTime() ?? 0, last.jid)
        : null;
    return { items, nextCursor };
  }

  async delete(instanceId: string, jid: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('chats')
      .where('instance_id', '=', instanceId)
      .where('jid', '=', jid)
      .executeTakeFirst();
    return affected(result) > 0;
  }

  async deleteByInstance(instanceId: string): Promise<number> {
    return affected(
      await this.db.deleteFrom('chats').where('instance_id', '=', instanceId).executeTakeFirst(),
    );
  }
}
