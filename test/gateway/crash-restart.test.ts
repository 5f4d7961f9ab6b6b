import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../sim/simulator.ts';
import { GatewayProcess, type InstanceJson, linkByQr, waitForStatus } from '../support/gateway-harness.ts';
import { startTestPostgres } from '../support/postgres.ts';

// The two databases' suites run side by side (each its own simulator and gateway; a restart is
// mostly waiting on a process start); within each, the tests run in order.
for (const dialect of ['sqlite', 'postgres'] as const) {
  describe.concurrent(`a gateway killed with SIGKILL on ${dialect}`, () => {
    let sim: RunningSimulator;
    let gw: GatewayProcess;
    let pg: { url: string; stop(): Promise<void> } | undefined;

    beforeAll(async () => {
      sim = await startSimulator();
      if (dialect === 'postgres') pg = await startTestPostgres();
      gw = await new GatewayProcess({ sim: sim.info, ...(pg ? { databaseUrl: pg.url } : {}) }).start();
    });
    afterAll(async () => {
      await gw?.dispose();
      await sim?.close();
      await pg?.stop();
    });

    it.sequential('brings every linked instance back to connected without a QR', async () => {
      // linked side by side, each to a phone of its own
      const linked: InstanceJson[] = await Promise.all(
        ['one', 'two', 'three'].map(async (name) => {
          const account = await fetch(`${sim.info.adminUrl}/accounts`, { method: 'POST', body: '{}' });
          expect(account.status).toBe(201);
          const { phone } = (await account.json()) as { phone: string };
          const created = await gw.api.post<InstanceJson>('/api/v1/instances', { name });
          expect(created.status).toBe(201);
          return linkByQr(gw.api, sim.info.adminUrl, created.body.id, phone);
        }),
      );
      const parked = await gw.api.post<InstanceJson>('/api/v1/instances', { name: 'parked', start: false });
      expect(parked.body.status).toBe('created');

      expect(await gw.stop('SIGKILL')).toBeNull();
      await gw.start();

      for (const before of linked) {
        const after = await waitForStatus(gw.api, before.id, 'connected');
        expect(after.phone).toBe(before.phone);
        const logs = await gw.api.get<{ items: Array<{ data: { status: string; previous: string } }> }>(
          `/api/v1/instances/${before.id}/logs`,
        );
        const sinceRestart = logs.body.items.slice(
          0,
          logs.body.items.findIndex((e) => e.data.status === 'connecting') + 1,
        );
        expect(sinceRestart.map((e) => e.data.status)).not.toContain('qr');
      }
      expect((await gw.api.get<InstanceJson>('/api/v1/instances/parked')).body.status).toBe('created');
      for (const before of linked) {
        const devices = await fetch(`${sim.info.adminUrl}/accounts/${before.phone}/devices`);
        expect(devices.status).toBe(200);
        expect(await devices.json()).toHaveLength(1);
      }
    });

    it.sequential('shuts down cleanly on SIGTERM without unlinking, and comes back', async () => {
      expect(await gw.stop('SIGTERM')).toBe(0);
      await gw.start();
      const all = await gw.api.get<{ items: InstanceJson[] }>('/api/v1/instances');
      const restored = all.body.items.filter((i) => i.name !== 'parked');
      expect(restored).toHaveLength(3);
      for (const instance of restored) await waitForStatus(gw.api, instance.id, 'connected');
    });
  });
}
