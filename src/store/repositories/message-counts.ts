import { type Kysely, type SelectQueryBuilder, sql } from 'kysely';
import type { MessageDirection, MessageStatus } from '../../domain/message.ts';
import type { DirectionStatusCount, MessageCountFilter, StatusCounts } from '../repositories.ts';
import type { Database } from '../schema.ts';
import { SENT_STATUSES } from './message-rows.ts';
import { toDate } from './shared.ts';

/** The read-only counting queries of `MessageSqlRepository` (queue view, daily cap, metrics). */

export type InstanceStatusCount = { instanceId: string; status: MessageStatus; count: number };

type TenantScope = string | null | undefined;

/** Rows sent since `since` plus every row being sent now, read in one statement. */
export async function countSentSince(db: Kysely<Database>, instanceId: string, since: Date): Promise<number> {
  const { sending, sent } = await db
    .selectNoFrom((eb) => [
      eb
        .selectFrom('messages')
        .select(eb.fn.countAll<number>().as('n'))
        .where('instance_id', '=', instanceId)
        .where('status', '=', 'sending')
        .where('direction', '=', 'outbound')
        .as('sending'),
      eb
        .selectFrom('messages')
        .select(eb.fn.countAll<number>().as('n'))
        .where('instance_id', '=', instanceId)
        .where('sent_at', '>=', since.getTime())
        .where('status', 'in', SENT_STATUSES)
        .where('direction', '=', 'outbound')
        .as('sent'),
    ])
    .executeTakeFirstOrThrow();
  return Number(sending ?? 0) + Number(sent ?? 0);
}

/** `tenantId` null: rows without a tenant; undefined: any. Statuses with no rows are absent. */
export async function countByStatus(
  db: Kysely<Database>,
  filter: { instanceId?: string; campaignId?: string; tenantId?: string | null },
): Promise<StatusCounts> {
  let query = scopeTenant(db.selectFrom('messages'), filter.tenantId);
  if (filter.instanceId !== undefined) query = query.where('instance_id', '=', filter.instanceId);
  if (filter.campaignId !== undefined) query = query.where('campaign_id', '=', filter.campaignId);
  const rows = await query
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  const counts: StatusCounts = {};
  for (const row of rows) counts[row.status as MessageStatus] = Number(row.n);
  return counts;
}

/** Ordered by instance id, then status. */
export async function countByInstanceAndStatus(
  db: Kysely<Database>,
  tenantId: TenantScope,
): Promise<InstanceStatusCount[]> {
  const rows = await scopeTenant(db.selectFrom('messages'), tenantId)
    .select(['instance_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy(['instance_id', 'status'])
    .orderBy('instance_id')
    .orderBy('status')
    .execute();
  return rows.map((r) => ({
    instanceId: r.instance_id,
    status: r.status as MessageStatus,
    count: Number(r.n),
  }));
}

/** Ordered by direction, then status. */
export async function countByDirectionAndStatus(
  db: Kysely<Database>,
  filter: MessageCountFilter,
): Promise<DirectionStatusCount[]> {
  const rows = await scopeCount(db, filter)
    .select(['direction', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy(['direction', 'status'])
    .orderBy('direction')
    .orderBy('status')
    .execute();
  return rows.map((r) => ({
    direction: r.direction as MessageDirection,
    status: r.status as MessageStatus,
    count: Number(r.n),
  }));
}

/** Rows created at or after `since` (messages_created_idx). */
export async function countSince(
  db: Kysely<Database>,
  filter: MessageCountFilter,
  since: Date,
): Promise<number> {
  const row = await scopeCount(db, filter)
    .where('created_at', '>=', since.getTime())
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

function scopeCount(db: Kysely<Database>, filter: MessageCountFilter) {
  const query = scopeTenant(db.selectFrom('messages'), filter.tenantId);
  return filter.instanceId === undefined ? query : query.where('instance_id', '=', filter.instanceId);
}

/** The status is spelled out (not bound) so both planners can use the partial index of queued rows. */
export async function oldestQueuedAt(
  db: Kysely<Database>,
  instanceId: string | undefined,
  tenantId: TenantScope,
): Promise<Date | undefined> {
  let query = scopeTenant(db.selectFrom('messages'), tenantId).where(sql<boolean>`status = 'queued'`);
  if (instanceId !== undefined) query = query.where('instance_id', '=', instanceId);
  const row = await query.select('created_at').orderBy('created_at').limit(1).executeTakeFirst();
  return row && toDate(row.created_at);
}

function scopeTenant<Q extends SelectQueryBuilder<Database, 'messages', object>>(
  query: Q,
  tenantId: TenantScope,
): Q {
  if (tenantId === undefined) return query;
  return (
    tenantId === null ? query.where('tenant_id', 'is', null) : query.where('tenant_id', '=', tenantId)
  ) as Q;
}
