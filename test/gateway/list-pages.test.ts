import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../sim/simulator.ts';
import { GatewayProcess, type InstanceJson, PACING_OFF, waitForStatus } from '../support/gateway-harness.ts';
import type { ApiClient } from '../support/http-client.ts';

type Page<T = { id: string }> = { items: T[]; nextCursor: string | null };
type Issued = { tenant: { id: string }; apiKey: { key: string } };
type Coded = { error: { code: string } };

/** Every item of a list route, `limit` at a time, and how many pages it took. */
async function walk<T>(api: ApiClient, path: string, limit: number) {
  const items: T[] = [];
  let pages = 0;
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const url: string = `${path}${separator}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await api.get<Page<T>>(url);
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeLessThanOrEqual(limit);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
    pages++;
  } while (cursor && pages < 50);
  return { items, pages };
}

describe('every list answers { items, nextCursor }', () => {
  let sim: RunningSimulator;
  let gw: GatewayProcess;
  let tenant: ApiClient;
  let other: ApiClient;
  let tenantId = '';
  const names = ['list-1', 'list-2', 'list-3', 'list-4', 'list-5'];

  beforeAll(async () => {
    sim = await startSimulator();
    gw = await new GatewayProcess({
      sim: sim.info,
      env: { ...PACING_OFF, WEBHOOK_ALLOW_PRIVATE: '1' },
    }).start();
    const issue = async (name: string) => {
      const issued = await gw.api.post<Issued>('/api/v1/tenants', { name });
      expect(issued.status).toBe(201);
      return issued.body;
    };
    const a = await issue('Listed');
    tenantId = a.tenant.id;
    tenant = gw.api.withKey(a.apiKey.key);
    other = gw.api.withKey((await issue('Other')).apiKey.key);
    for (const name of names)
      expect((await tenant.post('/api/v1/instances', { name, start: false })).status).toBe(201);
    await other.post('/api/v1/instances', { name: 'not-yours', start: false });
  });
  afterAll(async () => {
    await gw?.dispose();
    await sim?.close();
  });

  it('pages instances oldest first with limit and cursor, within the tenant', async () => {
    const { items, pages } = await walk<InstanceJson>(tenant, '/api/v1/instances', 2);
    expect(pages).toBe(3);
    const whole = await tenant.get<Page<InstanceJson>>('/api/v1/instances');
    expect(whole.body.nextCursor).toBeNull();
    // oldest first (two created within one millisecond are in id order)
    expect(items.map((i) => i.name)).toEqual(whole.body.items.map((i) => i.name));
    expect(items.map((i) => i.name).sort()).toEqual(names);
    const created = items.map((i) => Date.parse(i.createdAt as string));
    expect(created).toEqual([...created].sort((x, y) => x - y));
    // the admin sees every tenant's, paged the same way
    const all = await walk<InstanceJson>(gw.api, '/api/v1/instances', 4);
    expect(all.items.map((i) => i.name).sort()).toEqual([...names, 'not-yours']);
    // a cursor names a position, not a permission: another tenant resumes within its own
    const first = await tenant.get<Page>('/api/v1/instances?limit=1');
    const resumed = await other.get<Page<InstanceJson>>(
      `/api/v1/instances?cursor=${encodeURIComponent(first.body.nextCursor ?? '')}`,
    );
    expect(resumed.body.items.map((i) => i.name)).toEqual(['not-yours']);
  });

  it('refuses a cursor it did not give and a limit out of range with a coded 400', async () => {
    for (const query of ['cursor=bm9wZQ', 'cursor=%00', 'limit=0', 'limit=501', 'limit=two'])
      for (const path of ['/api/v1/instances', '/api/v1/instances/list-1/logs']) {
        const res = await tenant.get<Coded>(`${path}?${query}`);
        expect([path, query, res.status, res.body.error?.code]).toEqual([
          path,
          query,
          400,
          'ZG_ERR_VALIDATION',
        ]);
      }
  });

  it('pages the lifecycle log newest first without skipping or repeating an event', async () => {
    await tenant.post('/api/v1/instances/list-1/start');
    await waitForStatus(tenant, 'list-1', 'qr');
    await tenant.post('/api/v1/instances/list-1/stop');
    await waitForStatus(tenant, 'list-1', 'stopped');
    const whole = await tenant.get<Page<{ id: number }>>('/api/v1/instances/list-1/logs?limit=500');
    expect(whole.body.nextCursor).toBeNull();
    expect(whole.body.items.length).toBeGreaterThanOrEqual(3);
    const { items, pages } = await walk<{ id: number }>(tenant, '/api/v1/instances/list-1/logs', 1);
    expect(items.map((e) => e.id)).toEqual(whole.body.items.map((e) => e.id));
    expect(pages).toBe(whole.body.items.length);
  });

  it('answers the lists that come whole with nextCursor null', async () => {
    const hook = await tenant.post('/api/v1/webhooks', { url: 'http://127.0.0.1:9/zapgate' });
    expect(hook.status).toBe(201);
    const lists: Array<[ApiClient, string, (items: unknown[]) => void]> = [
      [
        gw.api,
        '/api/v1/tenants',
        (items) => expect(items).toContainEqual(expect.objectContaining({ id: tenantId })),
      ],
      [gw.api, `/api/v1/tenants/${tenantId}/keys`, (items) => expect(items).toHaveLength(1)],
      [
        tenant,
        '/api/v1/webhooks',
        (items) => expect(items).toEqual([expect.objectContaining({ url: 'http://127.0.0.1:9/zapgate' })]),
      ],
      [other, '/api/v1/webhooks', (items) => expect(items).toEqual([])],
      [gw.api, '/api/v1/nodes', (items) => expect(items).toHaveLength(1)],
    ];
    for (const [client, path, check] of lists) {
      const res = await client.get<Page<unknown>>(path);
      expect([path, res.status, res.body.nextCursor]).toEqual([path, 200, null]);
      check(res.body.items);
    }
    const queue = await tenant.get<Page<{ instanceId: string }> & { total: Record<string, number> }>(
      '/api/v1/queue',
    );
    expect(queue.body).toMatchObject({ items: [], nextCursor: null, total: {}, oldestQueuedAgeMs: null });
  });

  it('pages campaigns newest first with limit and cursor, within the tenant', async () => {
    const made: string[] = [];
    for (const name of ['first', 'second', 'third']) {
      const created = await tenant.post<{ id: string }>('/api/v1/instances/list-2/campaigns', {
        name,
        template: 'Hi {{name}}',
        recipients: [{ to: '15550009999', vars: { name: 'Ana' } }],
      });
      expect(created.status).toBe(201);
      made.push(created.body.id);
    }
    const { items, pages } = await walk<{ id: string; createdAt: string }>(tenant, '/api/v1/campaigns', 2);
    expect(pages).toBe(2);
    // newest first (two created within one millisecond are in id order)
    expect(items.map((c) => c.id).sort()).toEqual([...made].sort());
    const created = items.map((c) => Date.parse(c.createdAt));
    expect(created).toEqual([...created].sort((x, y) => y - x));
    expect((await other.get<Page>('/api/v1/campaigns')).body).toEqual({ items: [], nextCursor: null });
    expect((await tenant.get<Coded>('/api/v1/campaigns?cursor=bm9wZQ')).status).toBe(400);
  });

  it("pages a campaign's messages, in the history's message shape, within the tenant", async () => {
    const recipients = ['15550001001', '15550001002', '15550001003'];
    const created = await tenant.post<{ id: string }>('/api/v1/instances/list-3/campaigns', {
      template: 'Hello',
      recipients: recipients.map((to) => ({ to })),
    });
    expect(created.status).toBe(201);
    const path = `/api/v1/campaigns/${created.body.id}/messages`;
    const { items, pages } = await walk<{ id: string; chat: string; campaignId: string }>(tenant, path, 2);
    expect(pages).toBe(2);
    expect(items.map((m) => m.chat).sort()).toEqual(recipients.map((p) => `${p}@s.whatsapp.net`));
    expect(new Set(items.map((m) => m.campaignId))).toEqual(new Set([created.body.id]));
    const one = await tenant.get(`/api/v1/instances/list-3/messages/${items[0]?.id}`);
    expect(items[0]).toEqual(one.body);
    expect((await tenant.get<Page>(`${path}?status=queued`)).body.items).toHaveLength(3);
    expect((await tenant.get<Page>(`${path}?status=delivered`)).body).toEqual({
      items: [],
      nextCursor: null,
    });
    expect((await other.get<Coded>(path)).status).toBe(404);
    expect((await tenant.get<Coded>(`${path}?cursor=bm9wZQ`)).status).toBe(400);
  });
});
