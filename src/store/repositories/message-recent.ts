import type { Kysely } from 'kysely';
import type { Message } from '../../domain/message.ts';
import type { MessageCountFilter } from '../repositories.ts';
import type { Database } from '../schema.ts';
import { toMessage } from './message-rows.ts';

/** What the metrics show of recent traffic: failures of the last day and the newest rows. */

function scoped(db: Kysely<Database>, filter: MessageCountFilter) {
  let query = db.selectFrom('messages');
  if (filter.tenantId !== undefined)
    query =
      filter.tenantId === null
        ? query.where('tenant_id', 'is', null)
        : query.where('tenant_id', '=', filter.tenantId);
  if (filter.instanceId !== undefined) query = query.where('instance_id', '=', filter.instanceId);
  return query;
}

/** Rows created at or after `since` that ended failed (messages_created_idx). */
export async function countFailedSince(
  db: Kysely<Database>,
  filter: MessageCountFilter,
  since: Date,
): Promise<number> {
  const row = await scoped(db, filter)
    .where('created_at', '>=', since.getTime())
    .where('status', '=', 'failed')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** The newest rows of either direction, newest first, at most `limit`. */
export async function latestMessages(
  db: Kysely<Database>,
  filter: MessageCountFilter,
  limit: number,
): Promise<Message[]> {
  const rows = await scoped(db, filter)
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('seq', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toMessage);
}
