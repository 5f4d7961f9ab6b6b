import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../sim/simulator.ts';
import { GatewayProcess, type InstanceJson, waitForStatus } from '../support/gateway-harness.ts';
import { eventually } from '../support/http-client.ts';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim?.close());

describe('signature checks that really check', () => {
  it('refuses a server whose certificate chain is not signed by the root it was told to trust', async () => {
    const otherRoot = randomBytes(32).toString('base64');
    const gw = await new GatewayProcess({ sim: { ...sim.info, rootPublicKey: otherRoot } }).start();
    try {
      const created = await gw.api.post<InstanceJson>('/api/v1/instances', { name: 'wary' });
      const failed = await waitForStatus(gw.api, created.body.id, 'failed');
      expect(failed.lastError).toMatch(/certificate/i);
      const qr = await gw.api.get<{ available: boolean }>('/api/v1/instances/wary/qr');
      expect(qr.body.available).toBe(false);
    } finally {
      await gw.dispose();
    }
  });

  it('refuses a pair-success whose account signature is invalid', async () => {
    const gw = await new GatewayProcess({ sim: sim.info }).start();
    try {
      const { phone } = (await fetch(`${sim.info.adminUrl}/accounts`, { method: 'POST', body: '{}' }).then(
        (r) => r.json(),
      )) as { phone: string };
      await fetch(`${sim.info.adminUrl}/faults`, {
        method: 'POST',
        body: JSON.stringify({ phone, kind: 'bad-pair-signature' }),
      });
      const created = await gw.api.post<InstanceJson>('/api/v1/instances', { name: 'forged' });
      const qr = await eventually(
        'a QR',
        async () => (await gw.api.get<{ qr: string | null }>('/api/v1/instances/forged/qr')).body.qr,
      );
      await fetch(`${sim.info.adminUrl}/accounts/${phone}/link-qr`, {
        method: 'POST',
        body: JSON.stringify({ qr }),
      });
      const failed = await waitForStatus(gw.api, created.body.id, 'failed');
      expect(failed.lastError).toMatch(/signature/i);
      expect(failed.phone).toBeNull();
    } finally {
      await gw.dispose();
    }
  });
});
