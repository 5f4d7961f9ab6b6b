import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import { Errors } from '../../errors.ts';
import type { Webhook, WebhookRepository } from '../repositories.ts';
import type { Database, WebhooksTable } from '../schema.ts';
import { compiledOnce } from './compiled-once.ts';
import { affected, inTransaction, isUniqueViolation, toDate } from './shared.ts';
import type { WebhookCandidateCache } from './webhook-candidate-cache.ts';

type WebhookPatch = Partial<Pick<Webhook, 'url' | 'events' | 'secret' | 'enabled' | 'instanceId'>>;

/** A JSON array column of strings; anything else stored there reads back as an empty list. */
function parseStringArray(text: string): string[] {
  const value: unknown = JSON.parse(text);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

const toWebhook = (row: Selectable<WebhooksTable>): Webhook => ({
  id: row.id,
  tenantId: row.tenant_id,
  instanceId: row.instance_id,
  url: row.url,
  events: parseStringArray(row.events),
  secret: row.secret,
  // PostgreSQL returns a boolean, SQLite 0/1.
  enabled: Boolean(row.enabled),
  createdAt: toDate(row.created_at),
  updatedAt: toDate(row.updated_at),
});

/** The columns a patch changes; absent fields stay as they are. */
function patchRow(patch: WebhookPatch, now: number): Updateable<WebhooksTable> {
  const row: Updateable<WebhooksTable> = { updated_at: now };
  if (patch.url !== undefined) row.url = patch.url;
  if (patch.events !== undefined) row.events = JSON.stringify(patch.events);
  if (patch.secret !== undefined) row.secret = patch.secret;
  if (patch.enabled !== undefined) row.enabled = patch.enabled ? 1 : 0;
  if (patch.instanceId !== undefined) row.instance_id = patch.instanceId;
  return row;
}

/** Enabled webhooks for every instance or for this one, in creation order. */
const candidatesOf = (db: Kysely<Database>, instanceId: string) =>
  db
    .selectFrom('webhooks')
    .selectAll()
    .where('enabled', '=', 1)
    .where((eb) => eb.or([eb('instance_id', 'is', null), eb('instance_id', '=', instanceId)]))
    .orderBy('created_at')
    .orderBy('id');

/** An instance without a tenant: the admin's webhooks only. */
const globalCandidates = compiledOnce((db, _: '', instanceId: string) =>
  candidatesOf(db, instanceId).where('tenant_id', 'is', null),
);

/** A tenant's instance: the admin's webhooks and the tenant's own. */
const tenantCandidates = compiledOnce((db, _: '', tenantId: string, instanceId: string) =>
  candidatesOf(db, instanceId).where((eb) =>
    eb.or([eb('tenant_id', 'is', null), eb('tenant_id', '=', tenantId)]),
  ),
);

export class WebhookSqlRepository implements WebhookRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly cache: WebhookCandidateCache,
  ) {}

  /** Throws a conflict when a webhook with this id exists. */
  async create(input: Omit<Webhook, 'createdAt' | 'updatedAt'>): Promise<Webhook> {
    const now = Date.now();
    const row = {
      id: input.id,
      tenant_id: input.tenantId,
      instance_id: input.instanceId,
      url: input.url,
      events: JSON.stringify(input.events),
      secret: input.secret,
      enabled: input.enabled ? 1 : 0,
      created_at: now,
      updated_at: now,
    } satisfies Insertable<WebhooksTable>;
    try {
      await this.db.insertInto('webhooks').values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw Errors.conflict(`a webhook with id ${input.id} already exists`);
      throw error;
    } finally {
      this.cache.clear();
    }
    return toWebhook(row);
  }

  async get(id: string): Promise<Webhook | undefined> {
    const row = await this.db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toWebhook(row);
  }

  /** In creation order. `tenantId` null: the operator's global webhooks; undefined: every webhook. */
  async list(filter: { tenantId?: string | null }): Promise<Webhook[]> {
    let query = this.db.selectFrom('webhooks').selectAll();
    if (filter.tenantId === null) query = query.where('tenant_id', 'is', null);
    else if (filter.tenantId !== undefined) query = query.where('tenant_id', '=', filter.tenantId);
    const rows = await query.orderBy('created_at').orderBy('id').execute();
    return rows.map(toWebhook);
  }

  async update(id: string, patch: WebhookPatch): Promise<Webhook | undefined> {
    const row = await this.db
      .updateTable('webhooks')
      .set(patchRow(patch, Date.now()))
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst()
      .finally(() => this.cache.clear());
    return row && toWebhook(row);
  }

  /** Removes the webhook and every delivery of it, in one transaction. */
  async delete(id: string): Promise<boolean> {
    return inTransaction(this.db, async (trx) => {
      await trx.deleteFrom('webhook_deliveries').where('webhook_id', '=', id).execute();
      return affected(await trx.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst()) > 0;
    }).finally(() => this.cache.clear());
  }

  /**
   * Enabled webhooks of the tenant or global (tenant null: the operator's, which see every
   * tenant's events), for this instance or for all instances; in creation order.
   */
  candidates(tenantId: string | null, instanceId: string): Promise<Webhook[]> {
    return this.cache.get(tenantId, instanceId, () => this.loadCandidates(tenantId, instanceId));
  }

  private async loadCandidates(tenantId: string | null, instanceId: string): Promise<Webhook[]> {
    const { rows } =
      tenantId === null
        ? await globalCandidates(this.db, '', instanceId)
        : await tenantCandidates(this.db, '', tenantId, instanceId);
    return rows.map(toWebhook);
  }
}
