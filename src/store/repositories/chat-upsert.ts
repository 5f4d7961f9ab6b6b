import type { ExpressionBuilder, Kysely, UpdateObject } from 'kysely';
import type { ChatPatch } from '../chat-repositories.ts';
import type { Database } from '../schema.ts';
import { compiledOnce } from './compiled-once.ts';

type ChatsBuilder = ExpressionBuilder<Database, 'chats'>;
export type LastMessageColumn =
  | 'last_message_id'
  | 'last_message_from_me'
  | 'last_message_type'
  | 'last_message_text'
  | 'last_message_at';

/** What a patch sets, as letters: the statement's shape (each shape is compiled once). */
export function shapeOf(patch: ChatPatch): string {
  return [
    typeof patch.name === 'string' ? 'N' : '',
    patch.unreadCount !== undefined ? 'U' : '',
    patch.unreadIncrement ? 'I' : '',
    patch.markedUnread ? 'M' : '',
    patch.archived !== undefined ? 'A' : '',
    patch.pinned !== undefined ? 'P' : '',
    patch.mutedUntil !== undefined ? 'T' : '',
    patch.lastMessage ? 'L' : '',
  ].join('');
}

/** The values a statement binds, by name; `unreadCount` and `unreadIncrement` only in their shapes. */
const BASE = [
  'instanceId',
  'jid',
  'name',
  'newUnread',
  'archived',
  'pinned',
  'mutedUntil',
  'lastId',
  'lastFromMe',
  'lastType',
  'lastText',
  'lastAt',
  'now',
] as const;
export type Name = (typeof BASE)[number] | 'unreadCount' | 'unreadIncrement';
const namesOf = (shape: string): Name[] => [
  ...BASE,
  ...(shape.includes('U') ? (['unreadCount'] as const) : []),
  ...(shape.includes('I') ? (['unreadIncrement'] as const) : []),
];

export function valuesOf(
  instanceId: string,
  jid: string,
  patch: ChatPatch,
  now: number,
): Record<Name, unknown> {
  const last = patch.lastMessage;
  const unread = Math.max(0, patch.unreadCount ?? 0) + (patch.unreadIncrement ?? 0);
  return {
    instanceId,
    jid,
    name: patch.name ?? null,
    newUnread: patch.markedUnread ? Math.max(1, unread) : unread,
    archived: patch.archived ? 1 : 0,
    pinned: patch.pinned ? 1 : 0,
    mutedUntil: patch.mutedUntil ?? null,
    lastId: last?.waMessageId ?? null,
    lastFromMe: last ? (last.fromMe ? 1 : 0) : null,
    lastType: last?.type ?? null,
    lastText: last?.text ?? null,
    lastAt: last ? last.timestamp.getTime() : null,
    now,
    unreadCount: Math.max(0, patch.unreadCount ?? 0),
    unreadIncrement: patch.unreadIncrement ?? 0,
  };
}

/** The unread count after the patch, from the stored one. */
function unreadOf(eb: ChatsBuilder, shape: string, v: Record<Name, unknown>) {
  let count = shape.includes('U') ? eb.val(v.unreadCount as number) : eb.ref('chats.unread_count');
  if (shape.includes('I')) count = eb(count, '+', v.unreadIncrement as number);
  if (shape.includes('M')) count = eb.case().when(count, '<', 1).then(eb.val(1)).else(count).end();
  return count;
}

/** The stored chat's fields the patch changes; a last message only if it is not older. */
function changesOf(
  eb: ChatsBuilder,
  shape: string,
  v: Record<Name, unknown>,
): UpdateObject<Database, 'chats'> {
  const set: UpdateObject<Database, 'chats'> = { updated_at: v.now as number };
  // a null name (none known) never erases one
  if (shape.includes('N')) set.name = v.name as string;
  if (/[UIM]/.test(shape)) set.unread_count = unreadOf(eb, shape, v);
  if (shape.includes('A')) set.archived = v.archived as number;
  if (shape.includes('P')) set.pinned = v.pinned as number;
  if (shape.includes('T')) set.muted_until = v.mutedUntil as number | null;
  if (shape.includes('L')) {
    const at = v.lastAt as number;
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
    set.last_message_id = ifNewer('last_message_id', v.lastId as string);
    set.last_message_from_me = ifNewer('last_message_from_me', v.lastFromMe as number);
    set.last_message_type = ifNewer('last_message_type', v.lastType as string);
    set.last_message_text = ifNewer('last_message_text', v.lastText as string | null);
    set.last_message_at = ifNewer('last_message_at', at);
  }
  return set;
}

/** A new chat's row, from a patch's values. */
export function newChatRow(v: Record<Name, unknown>) {
  return {
    instance_id: v.instanceId as string,
    jid: v.jid as string,
    name: v.name as string | null,
    unread_count: v.newUnread as number,
    archived: v.archived as number,
    pinned: v.pinned as number,
    muted_until: v.mutedUntil as number | null,
    last_message_id: v.lastId as string | null,
    last_message_from_me: v.lastFromMe as number | null,
    last_message_type: v.lastType as string | null,
    last_message_text: v.lastText as string | null,
    last_message_at: v.lastAt as number | null,
    updated_at: v.now as number,
  };
}

const upsertStatement = compiledOnce((db, shape: string, ...values: unknown[]) => {
  const v = Object.fromEntries(namesOf(shape).map((name, i) => [name, values[i]])) as Record<Name, unknown>;
  return db
    .insertInto('chats')
    .values(newChatRow(v))
    .onConflict((oc) => oc.columns(['instance_id', 'jid']).doUpdateSet((eb) => changesOf(eb, shape, v)));
});

/**
 * One chat's change as one statement: inserted with the patch applied, or the stored row updated
 * in place (it used to be a read, then an update, per message in or out). Built and compiled once
 * per shape (what the patch sets), then run with the patch's values.
 */
export async function upsertChat(
  db: Kysely<Database>,
  instanceId: string,
  jid: string,
  patch: ChatPatch,
  now: number,
): Promise<void> {
  const shape = shapeOf(patch);
  const values = valuesOf(instanceId, jid, patch, now);
  await upsertStatement(db, shape, ...namesOf(shape).map((name) => values[name]));
}
