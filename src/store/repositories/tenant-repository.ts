import type { Kysely, Selectable } from 'kysely';
import type { Tenant } from '../../domain/tenant.ts';
import { Errors } from '../../errors.ts';
import type { TenantRepository } from '../repositories.ts';
import type { Database, TenantsTable } from '../schema.ts';
import { affected, inTransaction, isUniqueViolation, toDate } from './shared.ts';

const toTenant = (row: Selectable<TenantsTable>): Tenant => ({
  id: row.id,
  name: row.name,
  createdAt: toDate(row.created_at),
});

export class TenantSqlRepository implements TenantRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: { id: string; name: string }): Promise<Tenant> {
    const row = { id: input.id, name: input.name, created_at: Date.now() };
    try {
      await this.db.insertInto('tenants').values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw Errors.conflict(`a tenant with id ${input.id} already exists`);
      throw error;
    }
    return toTenant(row);
  }

  async list(): Promise<Tenant[]> {
    const rows = await this.db
      .selectFrom('tenants')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toTenant);
  }

  async get(id: string): Promise<Tenant | undefined> {
    const row = await this.db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toTenant(row);
  }

  /** Throws a conflict while the tenant still has instances, so none is left without its tenant. */
  async delete(id: string): Promise<boolean> {
    return inTransaction(this.db, async (trx) => {
      const { n } = await trx
        .selectFrom('instances')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('tenant_id', '=', id)
        .executeTakeFirstOrThrow();
      if (Number(n) > 0) throw Errors.conflict(`tenant ${id} still has ${n} instance(s); delete them first`);
      await trx.deleteFrom('api_keys').where('tenant_id', '=', id).execute();
      return affected(await trx.deleteFrom('tenants').where('id', '=', id).executeTakeFirst()) > 0;
    });
  }
}
