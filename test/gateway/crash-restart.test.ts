import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../sim/simulator.ts';
import { GatewayProcess, type InstanceJson, linkByQr, waitForStatus } from '../support/gateway-harness.ts';
import { startTestPostgres } from '../support/postgres.ts';

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`a gateway killed with SIGKILL on ${dialect}`, () => {
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

    it('brings every linked instance back to connected without a QR', async () => {
      const names = ['one', 'two', 'three'];
      const linked: InstanceJson[] = [];
      for (const name of names) {
        const account = await fetch(`${sim.info.adminUrl}/accounts`, { method: 'POST', body: '{}' }).then(
          (r) => r.json() as Promise<{ phone: string }>,
        );
        const created = await gw.api.post<InstanceJson>('/api/v1/instances', { name });
        linked.push(await linkByQr(gw.api, sim.info.adminUrl, created.body.id, account.phone));
      }
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
        const devices = await fetch(`${sim.info.adminUrl}/accounts/${before.phone}/devices`).then((r) =>
          r.json(),
        );
        expect(devices).toHaveLength(1);
      }
    });

    it('shuts down cleanly on SIGTERM without unlinking, and comes back', async () => {
      expect(await gw.stop('SIGTERM')).toBe(0);
      await gw.start();
      const all = await gw.api.get<{ items: InstanceJson[] }>('/api/v1/instances');
      for (const instance of all.body.items.filter((i) => i.name !== 'parked'))
        await waitForStatus(gw.api, instance.id, 'connected');
    });
  });
}
