import type { Kysely, Selectable } from 'kysely';
import type { ApiKeyRecord } from '../../domain/tenant.ts';
import { Errors } from '../../errors.ts';
import type { ApiKeyRepository } from '../repositories.ts';
import type { ApiKeysTable, Database } from '../schema.ts';
import { affected, isForeignKeyViolation, isUniqueViolation, toDate, toDateOrNull } from './shared.ts';

const toApiKey = (row: Selectable<ApiKeysTable>): ApiKeyRecord => ({
  id: row.id,
  tenantId: row.tenant_id,
  prefix: row.prefix,
  hash: row.hash,
  createdAt: toDate(row.created_at),
  revokedAt: toDateOrNull(row.revoked_at),
});

export class ApiKeySqlRepository implements ApiKeyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: { id: string; tenantId: string; prefix: string; hash: string }): Promise<ApiKeyRecord> {
    const row = { ...keyColumns(input), created_at: Date.now(), revoked_at: null };
    try {
      await this.db.insertInto('api_keys').values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error))
        throw Errors.conflict(`an API key with id ${input.id} or this hash already exists`);
      if (isForeignKeyViolation(error)) throw Errors.notFound(`tenant ${input.tenantId}`);
      throw error;
    }
    return toApiKey(row);
  }

  async findActiveByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('hash', '=', hash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return row && toApiKey(row);
  }

  async listByTenant(tenantId: string): Promise<ApiKeyRecord[]> {
    const rows = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toApiKey);
  }

  /** True when an active key was revoked now; false when it does not exist or was revoked before. */
  async revoke(id: string): Promise<boolean> {
    const result = await this.db
      .updateTable('api_keys')
      .set({ revoked_at: Date.now() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return affected(result) > 0;
  }

  /** How many active keys were revoked now. */
  async revokeAllOfTenant(tenantId: string): Promise<number> {
    const result = await this.db
      .updateTable('api_keys')
      .set({ revoked_at: Date.now() })
      .where('tenant_id', '=', tenantId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return affected(result);
  }
}

function keyColumns(input: { id: string; tenantId: string; prefix: string; hash: string }) {
  return { id: input.id, tenant_id: input.tenantId, prefix: input.prefix, hash: input.hash };
}
