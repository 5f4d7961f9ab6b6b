import { expect, it } from 'vitest';
import { migrateOnly, openStore } from '../../../src/store/database.ts';
import type { ContractContext } from './fixture.ts';
import { unique } from './fixture.ts';

export function lifecycleContract(ctx: () => ContractContext): void {
  it('applied every migration to the fresh database, and answers a ping', async () => {
    const { firstMigration, store, dialect } = ctx();
    expect(firstMigration).toEqual([
      '001-initial',
      '002-messages',
      '003-events-webhooks',
      '004-partial-message-indexes',
      '005-linked-server',
      '006-fleet',
      '007-fleet-wakeups',
      '008-chats-contacts',
      '009-master-key',
      '011-instance-labels',
      '012-queued-timing-indexes',
      '013-outbox-status-indexes',
      '014-wa-id-index-order',
      '015-event-commit-order',
      '016-queued-created-index-predicate',
    ]);
    expect(store.dialect).toBe(dialect);
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('a second store on the same database sees the data and migrates nothing again', async () => {
    const { url, store } = ctx();
    const tenant = await store.tenants.create({ id: unique('t'), name: 'shared' });
    await store.authState.saveCreds(tenant.id, 'creds');
    const messages: string[] = [];
    const second = await openStore(url, { logger: (msg) => void messages.push(msg) });
    try {
      expect(second.dialect).toBe(store.dialect);
      expect(await second.tenants.get(tenant.id)).toEqual(tenant);
      expect(await second.authState.loadCreds(tenant.id)).toBe('creds');
      await second.tenants.create({ id: unique('t2'), name: 'from the second store' });
      expect(await store.tenants.list()).toHaveLength((await second.tenants.list()).length);
      expect(messages.filter((m) => m.includes('migration'))).toEqual([]);
      expect(await migrateOnly(url)).toEqual([]);
    } finally {
      await second.close();
      await second.close();
    }
  });
}

export function badUrlContract(): void {
  it.each(['mysql://root@localhost/zapgate', 'zapgate', 'data/zapgate.txt', ''])(
    'refuses the database URL %j and says which forms work',
    async (url) => {
      await expect(openStore(url)).rejects.toThrow(/sqlite:\/\/\/.*postgres:\/\//);
      await expect(migrateOnly(url)).rejects.toThrow(/unsupported database URL/);
    },
  );

  it('does not echo a password from a refused URL', async () => {
    await expect(openStore('mysql://root:s3cret@db/zapgate')).rejects.toThrow(/^(?!.*s3cret)/s);
  });
}
