import type { Kysely } from 'kysely';
import type { AuthRow, KeyDerivation, MasterKeyRepository } from '../master-key-repositories.ts';
import type { Database } from '../schema.ts';
import { inTransaction, toDate } from './shared.ts';

const CURRENT = 'current';

export class MasterKeySqlRepository implements MasterKeyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async derivation(): Promise<KeyDerivation | undefined> {
    const row = await this.db
      .selectFrom('master_key')
      .select(['kdf', 'salt', 'created_at'])
      .where('id', '=', CURRENT)
      .executeTakeFirst();
    return row && { kdf: row.kdf, salt: row.salt, createdAt: toDate(row.created_at) };
  }

  async ensureDerivation(candidate: KeyDerivation): Promise<KeyDerivation> {
    await this.db
      .insertInto('master_key')
      .values({ id: CURRENT, ...columns(candidate) })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    const current = await this.derivation();
    if (!current) throw new Error('the master key derivation row vanished as it was written');
    return current;
  }

  async replaceDerivation(next: KeyDerivation): Promise<void> {
    await this.db
      .insertInto('master_key')
      .values({ id: CURRENT, ...columns(next) })
      .onConflict((oc) => oc.column('id').doUpdateSet(columns(next)))
      .execute();
  }

  async authRows(skipPrefix?: string): Promise<AuthRow[]> {
    let creds = this.db.selectFrom('auth_creds').select(['instance_id', 'data']);
    let keys = this.db.selectFrom('auth_keys').select(['instance_id', 'type', 'key_id', 'data']);
    if (skipPrefix) {
      // the prefixes are plain ASCII with no LIKE wildcards in them
      creds = creds.where('data', 'not like', `${skipPrefix}%`);
      keys = keys.where('data', 'not like', `${skipPrefix}%`);
    }
    const rows: AuthRow[] = (await creds.orderBy('instance_id').execute()).map((r) => ({
      instanceId: r.instance_id,
      kind: 'creds',
      type: '',
      keyId: '',
      data: r.data,
    }));
    for (const r of await keys.orderBy('instance_id').orderBy('type').orderBy('key_id').execute())
      rows.push({ instanceId: r.instance_id, kind: 'key', type: r.type, keyId: r.key_id, data: r.data });
    return rows;
  }

  async rewrite(rows: ReadonlyArray<AuthRow & { next: string }>): Promise<number> {
    if (rows.length === 0) return 0;
    return inTransaction(this.db, async (trx) => {
      let changed = 0;
      for (const row of rows) {
        const result =
          row.kind === 'creds'
            ? await trx
                .updateTable('auth_creds')
                .set({ data: row.next })
                .where('instance_id', '=', row.instanceId)
                .where('data', '=', row.data)
                .executeTakeFirst()
            : await trx
                .updateTable('auth_keys')
                .set({ data: row.next })
                .where('instance_id', '=', row.instanceId)
                .where('type', '=', row.type)
                .where('key_id', '=', row.keyId)
                .where('data', '=', row.data)
                .executeTakeFirst();
        changed += Number(result.numUpdatedRows);
      }
      return changed;
    });
  }
}

const columns = (d: KeyDerivation) => ({ kdf: d.kdf, salt: d.salt, created_at: d.createdAt.getTime() });
