import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/database.ts';
import { type InstanceJson, linkByQr, waitForStatus } from '../support/gateway-harness.ts';
import { eventually } from '../support/http-client.ts';
import { type LinkedGateway, startLinkedGateway } from '../support/linked-gateway.ts';

type Logs = { items: Array<{ id: number; data: { status: string } }> };

describe('POST /instances/:id/logout', () => {
  let linked: LinkedGateway;

  beforeAll(async () => {
    linked = await startLinkedGateway({ name: 'leaving' });
  });
  afterAll(async () => {
    await linked?.close();
  });

  it('unlinks the device and removes its credentials and keys from the database', async () => {
    const { api, gw, sim, instance, phone } = linked;
    const store = await openStore(gw.databaseUrl);
    try {
      expect(await store.authState.loadCreds(instance.id)).toBeTruthy();
      expect(await store.authState.countKeys(instance.id)).toBeGreaterThan(0);
      const res = await api.post<InstanceJson>(`/api/v1/instances/${instance.id}/logout`);
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('logged_out');
      expect(await store.authState.loadCreds(instance.id)).toBeUndefined();
      expect(await store.authState.countKeys(instance.id)).toBe(0);
    } finally {
      await store.close();
    }
    const devices = await fetch(`${sim.info.adminUrl}/accounts/${phone}/devices`).then((r) => r.json());
    expect(devices).toEqual([]);
    const qr = await api.get<{ available: boolean }>(`/api/v1/instances/${instance.id}/qr`);
    expect(qr.body.available).toBe(false);
  });

  it('is not reconnected by a gateway restart', async () => {
    const { api, gw, sim } = linked;
    // a linked instance created after the logged-out one: boot restore reaches it later
    const { phone } = sim.api.createAccount({ name: 'staying' });
    const control = await api.post<InstanceJson>('/api/v1/instances', { name: 'staying' });
    await linkByQr(api, sim.info.adminUrl, control.body.id, phone);
    const before = await api.get<Logs>(`/api/v1/instances/leaving/logs`);
    expect(await gw.stop('SIGTERM')).toBe(0);
    await gw.start();
    await waitForStatus(gw.api, control.body.id, 'connected');
    const after = await gw.api.get<InstanceJson>('/api/v1/instances/leaving');
    expect(after.body.status).toBe('logged_out');
    const logs = await gw.api.get<Logs>(`/api/v1/instances/leaving/logs`);
    expect(logs.body.items).toEqual(before.body.items);
  });

  it('offers a new QR code on start, and links again with it', async () => {
    const { sim, instance, phone } = linked;
    const api = linked.gw.api;
    const started = await api.post<InstanceJson>(`/api/v1/instances/${instance.id}/start`);
    expect(started.status).toBe(200);
    const qr = await eventually('a new QR code', async () => {
      const res = await api.get<{ available: boolean; qr: string }>(`/api/v1/instances/${instance.id}/qr`);
      return res.body.available ? res.body.qr : undefined;
    });
    expect(qr).toBeTruthy();
    const relinked = await linkByQr(api, sim.info.adminUrl, instance.id, phone);
    expect(relinked.phone).toBe(phone);
    const devices = await fetch(`${sim.info.adminUrl}/accounts/${phone}/devices`).then((r) => r.json());
    expect(devices).toHaveLength(1);
  });
});
