import { describe, expect, it } from 'vitest';
import type { Instance } from '../domain/instance.ts';
import type { DirectionStatusCount, MessageCountFilter, Store } from '../store/repositories.ts';
import { detailedHealth, within } from './health.ts';
import { StatsService, tallyInstances, tallyMessages } from './stats.ts';

describe('tallyInstances', () => {
  it('counts every status, with zeros for the ones nobody has', () => {
    const tally = tallyInstances(['connected', 'connected', 'qr']);
    expect(tally.total).toBe(3);
    expect(tally.byStatus).toMatchObject({ connected: 2, qr: 1, failed: 0, created: 0 });
    expect(Object.keys(tally.byStatus)).toHaveLength(9);
    expect(tallyInstances([])).toMatchObject({ total: 0, byStatus: { connected: 0 } });
  });
});

describe('tallyMessages', () => {
  it('sums directions and statuses; failed counts both directions', () => {
    const rows: DirectionStatusCount[] = [
      { direction: 'inbound', status: 'received', count: 4 },
      { direction: 'outbound', status: 'sent', count: 3 },
      { direction: 'outbound', status: 'failed', count: 2 },
      { direction: 'outbound', status: 'queued', count: 1 },
      { direction: 'inbound', status: 'failed', count: 1 },
    ];
    const tally = tallyMessages(rows, 7);
    expect(tally).toMatchObject({ total: 11, inbound: 5, outbound: 6, failed: 3, last24h: 7 });
    expect(tally.byStatus).toMatchObject({ received: 4, sent: 3, failed: 3, queued: 1, read: 0 });
    expect(tallyMessages([], 0)).toMatchObject({ total: 0, inbound: 0, outbound: 0, failed: 0 });
  });
});

const instance = (id: string, status: Instance['status'], tenantId: string | null = null) =>
  ({ id, status, tenantId }) as Instance;

function fakeStore(calls: Array<[string, unknown]> = []) {
  const store = {
    dialect: 'sqlite' as const,
    ping: async () => {},
    instances: {
      list: async (filter?: { tenantId?: string | null }) => {
        calls.push(['instances.list', filter]);
        return [instance('a', 'connected', 't1'), instance('b', 'qr', 't1')];
      },
    },
    messages: {
      countByDirectionAndStatus: async (filter: MessageCountFilter) => {
        calls.push(['countByDirectionAndStatus', filter]);
        return [{ direction: 'outbound', status: 'queued', count: 2 }] as DirectionStatusCount[];
      },
      countSince: async (filter: MessageCountFilter, since: Date) => {
        calls.push(['countSince', { filter, since: since.toISOString() }]);
        return 2;
      },
      countFailedSince: async (filter: MessageCountFilter, since: Date) => {
        calls.push(['countFailedSince', { filter, since: since.toISOString() }]);
        return 1;
      },
      latest: async (filter: MessageCountFilter, limit: number) => {
        calls.push(['latest', { filter, limit }]);
        return [];
      },
      countQueuedByInstance: async () => new Map([['a', 2]]),
      oldestQueuedAt: async () => new Date(Date.now() - 1_500),
    },
  };
  return store as unknown as Pick<Store, 'dialect' | 'ping' | 'instances' | 'messages'>;
}

describe('StatsService', () => {
  const now = new Date('2026-01-02T00:00:00.000Z');

  it("scopes a tenant's numbers to the tenant and asks the webhook provider", async () => {
    const calls: Array<[string, unknown]> = [];
    const scopes: unknown[] = [];
    const stats = new StatsService(
      fakeStore(calls),
      (scope) => {
        scopes.push(scope);
        return { pending: 3, dead: 1 };
      },
      () => now,
    );
    const summary = await stats.summary('t1');
    expect(summary).toMatchObject({
      generatedAt: now.toISOString(),
      instances: { total: 2, byStatus: { connected: 1, qr: 1 } },
      messages: { total: 2, outbound: 2, inbound: 0, last24h: 2, failedLast24h: 1, byStatus: { queued: 2 } },
      latestMessages: [],
      webhooks: { pending: 3, dead: 1 },
    });
    expect(calls).toEqual([
      ['instances.list', { tenantId: 't1' }],
      ['countByDirectionAndStatus', { tenantId: 't1' }],
      ['countSince', { filter: { tenantId: 't1' }, since: '2026-01-01T00:00:00.000Z' }],
      ['countFailedSince', { filter: { tenantId: 't1' }, since: '2026-01-01T00:00:00.000Z' }],
      ['latest', { filter: { tenantId: 't1' }, limit: 10 }],
    ]);
    expect(scopes).toEqual([{ tenantId: 't1' }]);
  });

  it("counts everyone's rows for the admin, one instance's for an instance, and webhooks default to 0", async () => {
    const calls: Array<[string, unknown]> = [];
    const stats = new StatsService(fakeStore(calls), undefined, () => now);
    expect((await stats.summary(undefined)).webhooks).toEqual({ pending: 0, dead: 0 });
    expect(calls[0]).toEqual(['instances.list', {}]);
    expect(calls[1]).toEqual(['countByDirectionAndStatus', {}]);
    calls.length = 0;
    const one = await stats.instanceSummary(instance('b', 'qr', 't1'));
    expect(one.instances).toMatchObject({ total: 1, byStatus: { qr: 1, connected: 0 } });
    expect(calls[0]).toEqual(['countByDirectionAndStatus', { instanceId: 'b' }]);
  });
});

describe('detailedHealth', () => {
  it('reports the database, counts, memory and uptime', async () => {
    const health = await detailedHealth({ store: fakeStore() });
    expect(health).toMatchObject({
      status: 'ok',
      database: { ok: true, dialect: 'sqlite' },
      instances: { total: 2 },
      queues: { queued: 2 },
    });
    expect(health.queues?.oldestQueuedAgeMs).toBeGreaterThanOrEqual(1_500);
    expect(health.memory.rssBytes).toBeGreaterThan(0);
    expect(health.memory.heapUsedBytes).toBeGreaterThan(0);
  });

  it('is degraded, without counts, when the database fails or hangs', async () => {
    const errors: unknown[] = [];
    const failing = { ...fakeStore(), ping: async () => Promise.reject(new Error('down')) };
    const down = await detailedHealth({ store: failing, onError: (e) => errors.push(e) });
    expect(down).toMatchObject({
      status: 'degraded',
      database: { ok: false },
      instances: null,
      queues: null,
    });
    const hanging = { ...fakeStore(), ping: () => new Promise<void>(() => {}) };
    const slow = await detailedHealth({ store: hanging, timeoutMs: 50, onError: (e) => errors.push(e) });
    expect(slow.status).toBe('degraded');
    expect(slow.database.latencyMs).toBeGreaterThanOrEqual(40);
    expect(errors.map(String)).toEqual(['Error: down', 'Error: no answer within 50 ms']);
  });

  it('within() passes values and errors through untouched', async () => {
    await expect(within(Promise.resolve(5), 10)).resolves.toBe(5);
    await expect(within(Promise.reject(new Error('x')), 10)).rejects.toThrow('x');
  });
});
