import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../schema.ts';
import { compiledOnce } from './compiled-once.ts';

const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }) });

beforeAll(async () => {
  await sql`CREATE TABLE tenants (id TEXT PRIMARY KEY, name TEXT NOT NULL)`.execute(db);
  await db
    .insertInto('tenants')
    .values([
      { id: 't1', name: 'one' },
      { id: 't2', name: 'two' },
    ] as never)
    .execute();
});
afterAll(() => db.destroy());

describe('compiledOnce', () => {
  it('runs the statement compiled at the first call with each later call’s values', async () => {
    const byName = compiledOnce((d, _: '', name: string) =>
      d.selectFrom('tenants').select('id').where('name', '=', name),
    );
    expect((await byName(db, '', 'one')).rows).toEqual([{ id: 't1' }]);
    expect((await byName(db, '', 'two')).rows).toEqual([{ id: 't2' }]);
    expect((await byName(db, '', 'three')).rows).toEqual([]);
  });

  it('keeps a statement per shape, and the constants of each', async () => {
    const names = compiledOnce((d, order: 'asc' | 'desc', prefix: string) =>
      d.selectFrom('tenants').select('name').where('id', 'like', prefix).orderBy('name', order),
    );
    expect((await names(db, 'asc', 't%')).rows.map((r) => r.name)).toEqual(['one', 'two']);
    expect((await names(db, 'desc', 't%')).rows.map((r) => r.name)).toEqual(['two', 'one']);
  });

  it('refuses a prepared statement that selects or returns *, which a new column would break', async () => {
    const all = compiledOnce(
      (d, _: '', id: string) => d.selectFrom('tenants').selectAll().where('id', '=', id),
      { prepared: true },
    );
    await expect(all(db, '', 't1')).rejects.toThrow(/must name its columns/);
    const named = compiledOnce(
      (d, _: '', id: string) =>
        d
          .selectFrom('tenants')
          .select(['id', 'name', (eb) => eb.fn.countAll().as('n')])
          .where('id', '=', id)
          .groupBy(['id', 'name']),
      { prepared: true },
    );
    expect((await named(db, '', 't1')).rows).toEqual([{ id: 't1', name: 'one', n: 1 }]);
  });

  it('refuses a parameter that shapes the statement instead of being bound', async () => {
    const misused = compiledOnce((d, _: '', name: string) =>
      d.selectFrom('tenants').select('id').where('name', '=', `${name}%`),
    );
    await expect(misused(db, '', 'one')).rejects.toThrow(/parameter was changed/);
    const unused = compiledOnce((d, _: '', _name: string) => d.selectFrom('tenants').select('id'));
    await expect(unused(db, '', 'one')).rejects.toThrow(/never reached the statement/);
  });
});
