import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { MessageDirection, MessageStatus } from '../../domain/message.ts';
import type { DirectionStatusCount, MessageCountFilter, StatusCounts } from '../repositories.ts';
import type { Database } from '../schema.ts';
import { compiledOnce } from './compiled-once.ts';
import { hasStatus, SENT_STATUSES } from './message-rows.ts';
import { toDate } from './shared.ts';

/** The read-only counting queries of `MessageSqlRepository` (queue view, daily cap, metrics). */

export type InstanceStatusCount = { instanceId: string; status: MessageStatus; count: number };

type TenantScope = string | null | undefined;

/** Rows sent since `since` plus every row being sent now, read in one statement. */
export async function countSentSince(db: Kysely<Database>, instanceId: string, since: Date): Promise<number> {
  const { rows } = await countSentStatement(db, '', instanceId, since.getTime());
  const { sending, sent } = rows[0] ?? {};
  return Number(sending ?? 0) + Number(sent ?? 0);
}

// prepared: asked by every sending loop, once a minute while a daily cap applies
const countSentStatement = compiledOnce(
  (db, _: '', instanceId: string, since: number) =>
    db.selectNoFrom((eb) => [
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
        .where('sent_at', '>=', since)
        .where('status', 'in', SENT_STATUSES)
        .where('direction', '=', 'outbound')
        .as('sent'),
    ]),
  { prepared: true },
);

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

/**
 * Queued rows per instance, ordered by instance id: from the partial index of queued rows alone, so
 * it costs what the outbox holds, not the history (the health check and every metrics scrape).
 */
export async function countQueuedByInstance(db: Kysely<Database>): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('messages')
    .select(['instance_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where(hasStatus('queued'))
    .groupBy('instance_id')
    .orderBy('instance_id')
    .execute();
  return new Map(rows.map((r) => [r.instance_id, Number(r.n)]));
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

/** Which instance and which tenant's rows oldestQueuedAt looks at: each is a statement of its own. */
type OldestQueuedShape = `${'all' | 'instance'}:${'any' | 'none' | 'tenant'}`;

export async function oldestQueuedAt(
  db: Kysely<Database>,
  instanceId: string | undefined,
  tenantId: TenantScope,
): Promise<Date | undefined> {
  const tenant = tenantId === undefined ? 'any' : tenantId === null ? 'none' : 'tenant';
  const shape: OldestQueuedShape = `${instanceId === undefined ? 'all' : 'instance'}:${tenant}`;
  const ids = [instanceId, tenantId].filter((id): id is string => typeof id === 'string');
  const { rows } = await oldestQueuedStatement(db, shape, ...ids);
  return rows[0] && toDate(rows[0].created_at);
}

/**
 * The status written in (compiledOnce), so both planners use messages_queued_created_idx; prepared,
 * and PostgreSQL keeps its plan (LIMIT 1). `created_at >= 0` is true of every row: it is in that
 * index's condition so that no other statement takes the index (migration 016). `ids`: the
 * instance's, then the tenant's, as the shape names them.
 */
const oldestQueuedStatement = compiledOnce(
  (db, shape: OldestQueuedShape, ...ids: string[]) => {
    const [instance, tenant] = shape.split(':');
    const [first, second] = ids;
    let query = db
      .selectFrom('messages')
      .select('created_at')
      .where('status', '=', 'queued')
      .where('created_at', '>=', 0);
    if (instance === 'instance') query = query.where('instance_id', '=', first ?? '');
    const tenantId = instance === 'instance' ? second : first;
    if (tenant === 'none') query = query.where('tenant_id', 'is', null);
    if (tenant === 'tenant') query = query.where('tenant_id', '=', tenantId ?? '');
    return query.orderBy('created_at').limit(1);
  },
  { prepared: true },
);

function scopeTenant<Q extends SelectQueryBuilder<Database, 'messages', object>>(
  query: Q,
  tenantId: TenantScope,
): Q {
  if (tenantId === undefined) return query;
  return (
    tenantId === null ? query.where('tenant_id', 'is', null) : query.where('tenant_id', '=', tenantId)
  ) as Q;
}
