import type { Kysely } from 'kysely';
import type { ChatPatch } from '../chat-repositories.ts';
import { grouped } from '../group-commit.ts';
import type { Database } from '../schema.ts';
import { TurnBatch } from '../turn-batch.ts';
import { type LastMessageColumn, newChatRow, shapeOf, valuesOf } from './chat-upsert.ts';

/**
 * The shapes a message gives its chat (chat-upsert.ts's letters): one received (I: one more
 * unread, L: its last message) and one of ours (U: read, L). Only these are batched: for them,
 * what the update sets is what the new row holds, so the update can read it from `excluded`.
 */
export const BATCHED_SHAPES = new Set(['IL', 'UL']);

interface Change {
  instanceId: string;
  jid: string;
  patch: ChatPatch;
  now: number;
}

/** Rows per statement (a chat row binds 13 values). */
const ROWS = 500;

/**
 * The chat changes of messages in one turn of the event loop, across instances, as one upsert per
 * shape: every message in or out changes its chat, and on PostgreSQL each was a round trip. A chat
 * changed twice in a turn is changed again by a second statement (an upsert may not touch a row
 * twice), and so on.
 */
export class ChatUpsertBatch {
  private readonly batch: TurnBatch<Change>;

  constructor(db: Kysely<Database>) {
    this.batch = new TurnBatch(
      async (changes) => {
        // within a round each chat is changed once, so its shapes may go in either order
        for (const round of rounds(changes)) {
          for (const shape of BATCHED_SHAPES) {
            const part = round.filter((c) => shapeOf(c.patch) === shape);
            if (part.length > 0) await grouped(db, (trx) => upsertChats(trx, shape, part));
          }
        }
        return undefined;
      },
      { most: ROWS },
    );
  }

  add(instanceId: string, jid: string, patch: ChatPatch, now: number): Promise<void> {
    return this.batch.add({ instanceId, jid, patch, now });
  }
}

/** The changes in rounds in which each chat is changed once, its changes in the order they came. */
function rounds(changes: Change[]): Change[][] {
  const out: Change[][] = [];
  const times = new Map<string, number>();
  for (const c of changes) {
    const key = `${c.instanceId}\u0000${c.jid}`;
    const n = times.get(key) ?? 0;
    times.set(key, n + 1);
    const round = out[n] ?? [];
    round.push(c);
    out[n] = round;
  }
  return out;
}

function upsertChats(db: Kysely<Database>, shape: string, changes: Change[]) {
  return db
    .insertInto('chats')
    .values(changes.map((c) => newChatRow(valuesOf(c.instanceId, c.jid, c.patch, c.now))))
    .onConflict((oc) =>
      oc.columns(['instance_id', 'jid']).doUpdateSet((eb) => {
        // a last message only if it is not older than the stored one
        const ifNewer = <C extends LastMessageColumn>(column: C) =>
          eb
            .case()
            .when(
              eb.or([
                eb('chats.last_message_at', 'is', null),
                eb('chats.last_message_at', '<=', eb.ref('excluded.last_message_at')),
              ]),
            )
            .then(eb.ref(`excluded.${column}`))
            .else(eb.ref(`chats.${column}`))
            .end();
        return {
          updated_at: eb.ref('excluded.updated_at'),
          // I: the stored count and one (the new row's count); U: the new row's count (read)
          unread_count:
            shape === 'IL'
              ? eb(eb.ref('chats.unread_count'), '+', eb.ref('excluded.unread_count'))
              : eb.ref('excluded.unread_count'),
          last_message_id: ifNewer('last_message_id'),
          last_message_from_me: ifNewer('last_message_from_me'),
          last_message_type: ifNewer('last_message_type'),
          last_message_text: ifNewer('last_message_text'),
          last_message_at: ifNewer('last_message_at'),
        };
      }),
    )
    .execute();
}
