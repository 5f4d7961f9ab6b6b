import type { Kysely } from 'kysely';
import type { MessageMediaRepository } from '../repositories.ts';
import type { Database } from '../schema.ts';
import { affected, chunk } from './shared.ts';

/** Ids per delete: one bound parameter each. */
const BATCH = 500;

/**
 * Media bytes keyed by message id, or by campaign id for the one copy a campaign's messages
 * share. There is no foreign key to `messages`: media may be written
 * just before its message in the same `Store.transaction`; `deleteOrphans` sweeps what is left.
 */
export class MessageMediaSqlRepository implements MessageMediaRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Writes or replaces the media of a message. */
  async put(messageId: string, bytes: Buffer): Promise<void> {
    await this.db
      .insertInto('message_media')
      .values({ message_id: messageId, bytes, created_at: Date.now() })
      .onConflict((oc) =>
        oc.column('message_id').doUpdateSet((eb) => ({
          bytes: eb.ref('excluded.bytes'),
          created_at: eb.ref('excluded.created_at'),
        })),
      )
      .execute();
  }

  async get(messageId: string): Promise<Buffer | undefined> {
    const row = await this.db
      .selectFrom('message_media')
      .select('bytes')
      .where('message_id', '=', messageId)
      .executeTakeFirst();
    return row && Buffer.from(row.bytes);
  }

  async deleteByMessages(messageIds: string[]): Promise<number> {
    let deleted = 0;
    for (const part of chunk([...new Set(messageIds)], BATCH)) {
      const result = await this.db
        .deleteFrom('message_media')
        .where('message_id', 'in', part)
        .executeTakeFirst();
      deleted += affected(result);
    }
    return deleted;
  }

  async deleteOrphans(): Promise<number> {
    const result = await this.db
      .deleteFrom('message_media')
      .where(({ and, not, exists, selectFrom }) =>
        and([
          not(
            exists(
              selectFrom('messages')
                .select('messages.seq')
                .whereRef('messages.id', '=', 'message_media.message_id'),
            ),
          ),
          // a campaign's shared media, kept while any of its messages is
          not(
            exists(
              selectFrom('messages')
                .select('messages.seq')
                .whereRef('messages.campaign_id', '=', 'message_media.message_id'),
            ),
          ),
        ]),
      )
      .executeTakeFirst();
    return affected(result);
  }
}
