import type { Kysely, Selectable } from 'kysely';
import type { Campaign, CampaignStatus } from '../../domain/message.ts';
import { Errors } from '../../errors.ts';
import type { CampaignRepository } from '../repositories.ts';
import type { CampaignsTable, Database } from '../schema.ts';
import { decodeCreatedCursor, encodeCreatedCursor } from './created-cursor.ts';
import {
  affected,
  inTransaction,
  isUniqueViolation,
  toDate,
  toDateOrNull,
  toMillisOrNull,
} from './shared.ts';

const toCampaign = (row: Selectable<CampaignsTable>): Campaign => ({
  id: row.id,
  instanceId: row.instance_id,
  tenantId: row.tenant_id,
  name: row.name,
  template: row.template,
  status: row.status as CampaignStatus,
  total: Number(row.total),
  startAt: toDateOrNull(row.start_at),
  createdAt: toDate(row.created_at),
  updatedAt: toDate(row.updated_at),
});

export class CampaignSqlRepository implements CampaignRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: Omit<Campaign, 'createdAt' | 'updatedAt'>): Promise<Campaign> {
    const now = Date.now();
    const row: Selectable<CampaignsTable> = {
      id: input.id,
      instance_id: input.instanceId,
      tenant_id: input.tenantId,
      name: input.name,
      template: input.template,
      status: input.status,
      total: input.total,
      start_at: toMillisOrNull(input.startAt),
      created_at: now,
      updated_at: now,
    };
    try {
      await this.db.insertInto('campaigns').values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw Errors.conflict(`a campaign with id ${input.id} already exists`);
      throw error;
    }
    return toCampaign(row);
  }

  async get(id: string): Promise<Campaign | undefined> {
    const row = await this.db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toCampaign(row);
  }

  /** Newest first. `tenantId` null: campaigns without a tenant; undefined: any tenant. */
  async list(filter: { tenantId?: string | null; instanceId?: string }): Promise<Campaign[]> {
    let query = this.db.selectFrom('campaigns').selectAll();
    if (filter.tenantId === null) query = query.where('tenant_id', 'is', null);
    else if (filter.tenantId !== undefined) query = query.where('tenant_id', '=', filter.tenantId);
    if (filter.instanceId !== undefined) query = query.where('instance_id', '=', filter.instanceId);
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
    return rows.map(toCampaign);
  }

  async page(
    filter: { tenantId?: string | null; instanceId?: string },
    options: { limit: number; cursor?: string },
  ): Promise<{ items: Campaign[]; nextCursor: string | null }> {
    let query = this.db.selectFrom('campaigns').selectAll();
    if (filter.tenantId === null) query = query.where('tenant_id', 'is', null);
    else if (filter.tenantId !== undefined) query = query.where('tenant_id', '=', filter.tenantId);
    if (filter.instanceId !== undefined) query = query.where('instance_id', '=', filter.instanceId);
    if (options.cursor) {
      const before = decodeCreatedCursor(options.cursor);
      query = query.where((eb) =>
        eb.or([
          eb('created_at', '<', before.createdAt),
          eb.and([eb('created_at', '=', before.createdAt), eb('id', '<', before.id)]),
        ]),
      );
    }
    const rows = await query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(options.limit + 1)
      .execute();
    const last = rows.length > options.limit ? rows[options.limit - 1] : undefined;
    return {
      items: rows.slice(0, options.limit).map(toCampaign),
      nextCursor: last ? encodeCreatedCursor(last) : null,
    };
  }

  async setStatus(id: string, status: CampaignStatus): Promise<Campaign | undefined> {
    const row = await this.db
      .updateTable('campaigns')
      .set({ status, updated_at: Date.now() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row && toCampaign(row);
  }

  async transition(id: string, from: CampaignStatus[], to: CampaignStatus): Promise<Campaign | undefined> {
    const row = await this.db
      .updateTable('campaigns')
      .set({ status: to, updated_at: Date.now() })
      .where('id', '=', id)
      .where('status', 'in', from)
      .returningAll()
      .executeTakeFirst();
    return row && toCampaign(row);
  }

  /** Removes the instance's campaigns and the media they kept once for their messages. */
  async deleteByInstance(instanceId: string): Promise<number> {
    return inTransaction(this.db, async (trx) => {
      const ids = trx.selectFrom('campaigns').select('id').where('instance_id', '=', instanceId);
      await trx.deleteFrom('message_media').where('message_id', 'in', ids).execute();
      return affected(
        await trx.deleteFrom('campaigns').where('instance_id', '=', instanceId).executeTakeFirst(),
      );
    });
  }
}
