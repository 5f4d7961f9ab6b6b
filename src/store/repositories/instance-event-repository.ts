import type { Kysely, Selectable } from 'kysely';
import type { InstanceEvent } from '../../domain/instance.ts';
import type { InstanceEventRepository } from '../repositories.ts';
import type { Database, InstanceEventsTable } from '../schema.ts';
import { affected, parseObject, toDate } from './shared.ts';

const toEvent = (row: Selectable<InstanceEventsTable>): InstanceEvent => ({
  id: Number(row.id),
  instanceId: row.instance_id,
  tenantId: row.tenant_id,
  type: row.type,
  data: parseObject(row.data),
  createdAt: toDate(row.created_at),
});

export class InstanceEventSqlRepository implements InstanceEventRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async append(input: {
    instanceId: string;
    tenantId: string | null;
    type: string;
    data: Record<string, unknown>;
  }): Promise<InstanceEvent> {
    const row = await this.db
      .insertInto('instance_events')
      .values({
        instance_id: input.instanceId,
        tenant_id: input.tenantId,
        type: input.type,
        data: JSON.stringify(input.data),
        created_at: Date.now(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toEvent(row);
  }

  /** Newest first (by id, which only grows); no `limit` means every matching event. */
  async list(
    instanceId: string,
    options: { limit?: number; beforeId?: number } = {},
  ): Promise<InstanceEvent[]> {
    const { limit, beforeId } = options;
    if (limit !== undefined && limit < 1) return [];
    let query = this.db.selectFrom('instance_events').selectAll().where('instance_id', '=', instanceId);
    if (beforeId !== undefined) query = query.where('id', '<', beforeId);
    query = query.orderBy('id', 'desc');
    if (limit !== undefined) query = query.limit(Math.floor(limit));
    return (await query.execute()).map(toEvent);
  }

  async deleteByInstance(instanceId: string): Promise<number> {
    return affected(
      await this.db.deleteFrom('instance_events').where('instance_id', '=', instanceId).executeTakeFirst(),
    );
  }

  async deleteOlderThan(cutoff: Date): Promise<number> {
    const result = await this.db
      .deleteFrom('instance_events')
      .where('created_at', '<', cutoff.getTime())
      .executeTakeFirst();
    return affected(result);
  }
}
