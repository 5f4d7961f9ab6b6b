import type { ExpressionBuilder, Kysely, UpdateObject } from 'kysely';
import type { ChatPatch } from '../chat-repositories.ts';
import type { Database } from '../schema.ts';

type ChatsBuilder = ExpressionBuilder<Database, 'chats'>;
type LastMessageColumn =
  | 'last_message_id'
  | 'last_message_from_me'
  | 'last_message_type'
  | 'last_message_text'
  | 'last_message_at';

/** A new chat's row: the defaults with the patch applied. */
function newRow(instanceId: string, jid: string, patch: ChatPatch, now: number) {
  const last = patch.lastMessage;
  const unread = Math.max(0, patch.unreadCount ?? 0) + (patch.unreadIncrement ?? 0);
  return {
    instance_id: instanceId,
    jid,
    name: patch.name ?? null,
    unread_count: patch.markedUnread ? Math.max(1, unread) : unread,
    archived: patch.archived ? 1 : 0,
    pinned: patch.pinned ? 1 : 0,
    muted_until: patch.mutedUntil ?? null,
    last_message_id: last?.waMessageId ?? null,
    last_message_from_me: last ? (last.fromMe ? 1 : 0) : null,
    last_message_type: last?.type ?? null,
    last_message_text: last?.text ?? null,
    last_message_at: last ? last.timestamp.getTime() : null,
    updated_at: now,
  };
}

/** The unread count after the patch, from the stored one. */
function unreadOf(eb: ChatsBuilder, patch: ChatPatch) {
  let count =
    patch.unreadCount === undefined ? eb.ref('chats.unread_count') : eb.val(Math.max(0, patch.unreadCount));
  if (patch.unreadIncrement) count = eb(count, '+', patch.unreadIncrement);
  if (patch.markedUnread) count = eb.case().when(count, '<', 1).then(eb.val(1)).else(count).end();
  return count;
}

/** The stored chat's fields the patch changes; a last message only if it is not older. */
function changesOf(eb: ChatsBuilder, patch: ChatPatch, now: number): UpdateObject<Database, 'chats'> {
  const set: UpdateObject<Database, 'chats'> = { updated_at: now };
  // a null name (none known) never erases one
  if (typeof patch.name === 'string') set.name = patch.name;
  if (patch.unreadCount !== undefined || patch.unreadIncrement || patch.markedUnread)
    set.unread_count = unreadOf(eb, patch);
  if (patch.archived !== undefined) set.archived = patch.archived ? 1 : 0;
  if (patch.pinned !== undefined) set.pinned = patch.pinned ? 1 : 0;
  if (patch.mutedUntil !== undefined) set.muted_until = patch.mutedUntil;
  const last = patch.lastMessage;
  if (last) {
    const at = last.timestamp.getTime();
    const newer = eb.or([eb('chats.last_message_at', 'is', null), eb('chats.last_message_at', '<=', at)]);
    // every expression of an upsert's update reads the stored row, so the test holds for each
    const ifNewer = <V extends string | number | null>(column: LastMessageColumn, value: V) =>
      eb
        .case()
        .when(newer)
        .then(eb.val(value))
        .else(eb.ref(`chats.${column}`))
        .end()
        .$castTo<V>();
    set.last_message_id = ifNewer('last_message_id', last.waMessageId);
    set.last_message_from_me = ifNewer('last_message_from_me', last.fromMe ? 1 : 0);
    set.last_message_type = ifNewer('last_message_type', last.type);
    set.last_message_text = ifNewer('last_message_text', last.text);
    set.last_message_at = ifNewer('last_message_at', at);
  }
  return set;
}

/**
 * One chat's change as one statement: inserted with the patch applied, or the stored row updated
 * in place (it used to be a read, then an update, per message in or out).
 */
export async function upsertChat(
  db: Kysely<Database>,
  instanceId: string,
  jid: string,
  patch: ChatPatch,
  now: number,
): Promise<void> {
  await db
    .insertInto('chats')
    .values(newRow(instanceId, jid, patch, now))
    .onConflict((oc) => oc.columns(['instance_id', 'jid']).doUpdateSet((eb) => changesOf(eb, patch, now)))
    .execute();
}
