import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InstanceJson, linkByQr, waitForStatus } from '../support/gateway-harness.ts';
import { type LinkedGateway, startLinkedGateway } from '../support/linked-gateway.ts';

type Logs = { items: Array<{ id: number; createdAt: string; data: { status: string } }> };

const STAGGER_MS = 1_500;

describe('boot restore', () => {
  let linked: LinkedGateway;
  const logsOf = async (id: string) =>
    (await linked.gw.api.get<Logs>(`/api/v1/instances/${id}/logs?limit=500`)).body.items;
  const link = async (name: string) => {
    const { phone } = linked.sim.api.createAccount({ name });
    const created = await linked.api.post<InstanceJson>('/api/v1/instances', { name });
    return linkByQr(linked.api, linked.sim.info.adminUrl, created.body.id, phone);
  };

  beforeAll(async () => {
    // the first restored instance is the linked gateway's own
    linked = await startLinkedGateway({ name: 'first', env: { BOOT_STAGGER_MS: String(STAGGER_MS) } });
  });
  afterAll(async () => {
    await linked?.close();
  });

  it('brings back the connected instances one stagger apart, and leaves stopped, logged out and new ones be', async () => {
    const { api } = linked;
    const stopped = await link('stopped');
    expect((await api.post(`/api/v1/instances/${stopped.id}/stop`)).status).toBe(200);
    const loggedOut = await link('logged-out');
    expect((await api.post(`/api/v1/instances/${loggedOut.id}/logout`)).status).toBe(200);
    const fresh = await api.post<InstanceJson>('/api/v1/instances', { name: 'fresh', start: false });
    expect(fresh.body.status).toBe('created');
    // created last: once it is back, boot restore has walked past every other instance
    const last = await link('last');
    const idle = [stopped, loggedOut, fresh.body];
    const before = new Map<string, Logs['items']>();
    for (const i of idle) before.set(i.id, await logsOf(i.id));
    const newest = new Map<string, number>();
    for (const i of [linked.instance, last]) newest.set(i.id, (await logsOf(i.id))[0]?.id ?? 0);

    expect(await linked.gw.stop('SIGTERM')).toBe(0);
    await linked.gw.start();
    await waitForStatus(linked.gw.api, linked.instance.id, 'connected');
    await waitForStatus(linked.gw.api, last.id, 'connected');

    const reconnectingAt = async (id: string) => {
      const since = (await logsOf(id)).filter((e) => e.id > (newest.get(id) ?? 0));
      const connecting = since.filter((e) => e.data.status === 'connecting');
      expect(connecting).toHaveLength(1);
      expect(since.map((e) => e.data.status)).not.toContain('qr');
      return new Date(connecting[0]?.createdAt ?? 0).getTime();
    };
    const gap = (await reconnectingAt(last.id)) - (await reconnectingAt(linked.instance.id));
    expect(gap).toBeGreaterThanOrEqual(STAGGER_MS - 50);

    const statuses = await Promise.all(
      idle.map(async (i) => (await linked.gw.api.get<InstanceJson>(`/api/v1/instances/${i.id}`)).body.status),
    );
    expect(statuses).toEqual(['stopped', 'logged_out', 'created']);
    for (const i of idle) expect(await logsOf(i.id)).toEqual(before.get(i.id));
  });
});
