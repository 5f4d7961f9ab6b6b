import type { Kysely } from 'kysely';
import type { ChatPatch } from '../chat-repositories.ts';
import { grouped } from '../group-commit.ts';
import type { Database } from '../schema.ts';
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
  done: (error?: unknown) => void;
}

/**
 * The chat changes of messages in one turn of the event loop, across instances, as one upsert per
 * shape: every message in or out changes its chat, and on PostgreSQL each was a round trip. A chat
 * changed twice in a turn waits for the next one (an upsert may not touch a row twice).
 */
export class ChatUpsertBatch {
  private pending: Change[] = [];

  constructor(private readonly db: Kysely<Database>) {}

  add(instanceId: string, jid: string, patch: ChatPatch, now: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = (error?: unknown) => (error === undefined ? resolve() : reject(error));
      this.pending.push({ instanceId, jid, patch, now, done });
      if (this.pending.length === 1) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    const seen = new Set<string>();
    const now: Change[] = [];
    const later: Change[] = [];
    for (const c of batch) {
      const key = `${c.instanceId}\u0000${c.jid}`;
      (seen.has(key) ? later : now).push(c);
      seen.add(key);
    }
    for (const shape of BATCHED_SHAPES) {
      const part = now.filter((c) => shapeOf(c.patch) === shape);
      if (part.length === 0) continue;
      try {
        await grouped(this.db, (trx) => upsertChats(trx, shape, part));
        for (const c of part) c.done();
      } catch (error) {
        for (const c of part) c.done(error);
      }
    }
    for (const c of later) this.add(c.instanceId, c.jid, c.patch, c.now).then(() => c.done(), c.done);
  }
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
