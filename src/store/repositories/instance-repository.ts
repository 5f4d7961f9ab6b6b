import type { Kysely, Selectable, SelectQueryBuilder, Updateable } from 'kysely';
import type { DesiredState, Instance, InstanceStatus } from '../../domain/instance.ts';
import { Errors } from '../../errors.ts';
import type { InstancePatch, InstanceRepository, LeaseFence, NewInstance } from '../repositories.ts';
import type { Database, InstancesTable } from '../schema.ts';
import { compiledOnce } from './compiled-once.ts';
import { decodeCreatedCursor, encodeCreatedCursor } from './created-cursor.ts';
import { affected, isUniqueViolation, parseObject, toDate, toDateOrNull, toMillisOrNull } from './shared.ts';

type Row = Selectable<InstancesTable>;
type TenantScope = string | null | undefined;

function toInstance(row: Row): Instance {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    status: row.status as InstanceStatus,
    desiredState: row.desired_state as DesiredState,
    phone: row.phone,
    jid: row.jid,
    lid: row.lid,
    pushName: row.push_name,
    qr: row.qr,
    qrUpdatedAt: toDateOrNull(row.qr_updated_at),
    pairingCode: row.pairing_code,
    pairingExpiresAt: toDateOrNull(row.pairing_expires_at),
    connectedAt: toDateOrNull(row.connected_at),
    lastError: row.last_error,
    linkedServer: row.linked_server,
    owner: row.lease_until !== null && row.lease_until >= Date.now() ? row.owner : null,
    settings: parseObject(row.settings),
    label: row.label,
    metadata: row.metadata === null ? {} : parseObject(row.metadata),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

/** The columns a patch sets; fields absent from the patch are left out, so they stay as they are. */
function patchColumns(patch: InstancePatch): Updateable<InstancesTable> {
  const set: Updateable<InstancesTable> = {};
  if (patch.status !== undefined) set.status = patch.status;
  if (patch.desiredState !== undefined) set.desired_state = patch.desiredState;
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.phone !== undefined) set.phone = patch.phone;
  if (patch.jid !== undefined) set.jid = patch.jid;
  if (patch.lid !== undefined) set.lid = patch.lid;
  if (patch.pushName !== undefined) set.push_name = patch.pushName;
  if (patch.qr !== undefined) set.qr = patch.qr;
  if (patch.qrUpdatedAt !== undefined) set.qr_updated_at = toMillisOrNull(patch.qrUpdatedAt);
  if (patch.pairingCode !== undefined) set.pairing_code = patch.pairingCode;
  if (patch.pairingExpiresAt !== undefined) set.pairing_expires_at = toMillisOrNull(patch.pairingExpiresAt);
  if (patch.connectedAt !== undefined) set.connected_at = toMillisOrNull(patch.connectedAt);
  if (patch.lastError !== undefined) set.last_error = patch.lastError;
  if (patch.linkedServer !== undefined) set.linked_server = patch.linkedServer;
  if (patch.settings !== undefined) set.settings = JSON.stringify(patch.settings);
  if (patch.label !== undefined) set.label = patch.label;
  if (patch.metadata !== undefined) set.metadata = JSON.stringify(patch.metadata);
  return set;
}

function newRow(input: NewInstance, now: number): Row {
  return {
    id: input.id,
    tenant_id: input.tenantId,
    name: input.name,
    status: 'created',
    desired_state: input.desiredState,
    phone: null,
    jid: null,
    lid: null,
    push_name: null,
    qr: null,
    qr_updated_at: null,
    pairing_code: null,
    pairing_expires_at: null,
    connected_at: null,
    last_error: null,
    settings: JSON.stringify(input.settings),
    owner: null,
    lease_until: null,
    linked_server: null,
    label: input.label ?? null,
    metadata: JSON.stringify(input.metadata ?? {}),
    lease_epoch: 0,
    created_at: now,
    updated_at: now,
  };
}

const nameTaken = (name: string) => Errors.conflict(`an instance named ${name} already exists`);

const getStatement = compiledOnce((db, _: '', id: string) =>
  db.selectFrom('instances').selectAll().where('id', '=', id),
);

export class InstanceSqlRepository implements InstanceRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: NewInstance): Promise<Instance> {
    const row = newRow(input, Date.now());
    try {
      await this.db.insertInto('instances').values(row).execute();
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      if (await this.get(input.id)) throw Errors.conflict(`an instance with id ${input.id} already exists`);
      throw nameTaken(input.name);
    }
    return toInstance(row);
  }

  async get(id: string): Promise<Instance | undefined> {
    const { rows } = await getStatement(this.db, '', id);
    return rows[0] && toInstance(rows[0]);
  }

  /** The id wins over a name; with `tenantId` undefined a name shared by several tenants gives the oldest. */
  async findByIdOrName(idOrName: string, tenantId: TenantScope): Promise<Instance | undefined> {
    const scoped = this.scoped(tenantId);
    const byId = await scoped.where('id', '=', idOrName).executeTakeFirst();
    if (byId) return toInstance(byId);
    const byName = await scoped
      .where('name', '=', idOrName)
      .orderBy('created_at')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    return byName && toInstance(byName);
  }

  async list(
    filter: {
      tenantId?: string | null;
      statuses?: InstanceStatus[];
      desiredState?: DesiredState;
      label?: string;
    } = {},
  ): Promise<Instance[]> {
    if (filter.statuses?.length === 0) return [];
    let query = this.scoped(filter.tenantId);
    if (filter.statuses) query = query.where('status', 'in', filter.statuses);
    if (filter.desiredState) query = query.where('desired_state', '=', filter.desiredState);
    if (filter.label !== undefined) query = query.where('label', '=', filter.label);
    const rows = await query.orderBy('created_at').orderBy('id').execute();
    return rows.map(toInstance);
  }

  async page(
    filter: { tenantId?: string | null; label?: string },
    options: { limit: number; cursor?: string },
  ): Promise<{ items: Instance[]; nextCursor: string | null }> {
    let query = this.scoped(filter.tenantId);
    if (filter.label !== undefined) query = query.where('label', '=', filter.label);
    if (options.cursor) {
      const after = decodeCreatedCursor(options.cursor);
      query = query.where((eb) =>
        eb.or([
          eb('created_at', '>', after.createdAt),
          eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)]),
        ]),
      );
    }
    const rows = await query
      .orderBy('created_at')
      .orderBy('id')
      .limit(options.limit + 1)
      .execute();
    const last = rows.length > options.limit ? rows[options.limit - 1] : undefined;
    return {
      items: rows.slice(0, options.limit).map(toInstance),
      nextCursor: last ? encodeCreatedCursor(last) : null,
    };
  }

  async count(): Promise<number> {
    const { n } = await this.db
      .selectFrom('instances')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(n);
  }

  async update(id: string, patch: InstancePatch, fence?: LeaseFence): Promise<Instance | undefined> {
    try {
      let query = this.db
        .updateTable('instances')
        .set({ ...patchColumns(patch), updated_at: Date.now() })
        .where('id', '=', id);
      if (fence) query = query.where('owner', '=', fence.nodeId).where('lease_epoch', '=', fence.epoch);
      const row = await query.returningAll().executeTakeFirst();
      return row && toInstance(row);
    } catch (error) {
      if (isUniqueViolation(error) && patch.name !== undefined) throw nameTaken(patch.name);
      throw error;
    }
  }

  async delete(id: string): Promise<boolean> {
    return affected(await this.db.deleteFrom('instances').where('id', '=', id).executeTakeFirst()) > 0;
  }

  private scoped(tenantId: TenantScope): SelectQueryBuilder<Database, 'instances', Row> {
    const query = this.db.selectFrom('instances').selectAll();
    if (tenantId === undefined) return query;
    return tenantId === null ? query.where('tenant_id', 'is', null) : query.where('tenant_id', '=', tenantId);
  }
}
