import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, parseDatabaseUrl } from '../../src/store/database.ts';

describe('database URLs', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zg-url-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts the SQLite and PostgreSQL forms', () => {
    expect(parseDatabaseUrl('sqlite:///var/lib/zapgate/z.db')).toEqual({
      dialect: 'sqlite',
      path: '/var/lib/zapgate/z.db',
    });
    expect(parseDatabaseUrl('sqlite://./data/z.db')).toEqual({
      dialect: 'sqlite',
      path: resolve('data/z.db'),
    });
    expect(parseDatabaseUrl('sqlite::memory:')).toEqual({ dialect: 'sqlite', path: ':memory:' });
    expect(parseDatabaseUrl('./data/zapgate.sqlite')).toEqual({
      dialect: 'sqlite',
      path: resolve('data/zapgate.sqlite'),
    });
    expect(parseDatabaseUrl('/srv/z.db')).toEqual({ dialect: 'sqlite', path: '/srv/z.db' });
    expect(parseDatabaseUrl('postgres://u:p@h:5432/db')).toEqual({
      dialect: 'postgres',
      url: 'postgres://u:p@h:5432/db',
    });
    expect(parseDatabaseUrl('postgresql://h/db')).toEqual({ dialect: 'postgres', url: 'postgresql://h/db' });
  });

  it('opens an in-memory SQLite store', async () => {
    const store = await openStore('sqlite::memory:');
    await store.tenants.create({ id: 't', name: 'memory' });
    expect(await store.tenants.list()).toHaveLength(1);
    await store.close();
  });

  it('creates the parent directory of a bare SQLite path and journals in WAL mode', async () => {
    const file = join(dir, 'nested', 'deeper', 'zapgate.db');
    const store = await openStore(file);
    await store.tenants.create({ id: 't', name: 'on disk' });
    expect(existsSync(file)).toBe(true);
    expect(existsSync(`${file}-wal`)).toBe(true);
    await store.close();
    const again = await openStore(`sqlite://${file}`);
    expect(await again.tenants.get('t')).toMatchObject({ name: 'on disk' });
    await again.close();
  });
});
