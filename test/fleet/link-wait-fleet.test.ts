import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../sim/simulator.ts';
import { GatewayProcess, PACING_OFF, waitForStatus } from '../support/gateway-harness.ts';
import type { ApiClient } from '../support/http-client.ts';
import { startTestPostgres, type TestPostgres } from '../support/postgres.ts';

type Waited = {
  id: string;
  status: string;
  link?: { outcome: string; qr: string | null; qrDataUrl: string | null };
};

let sim: RunningSimulator;
let pg: TestPostgres;
let apiNode: GatewayProcess;
let worker: GatewayProcess;
let api: ApiClient;

beforeAll(async () => {
  sim = await startSimulator();
  pg = await startTestPostgres();
  // a long lease: this suite is about events reaching the API node, not takeovers under load
  const env = { ...PACING_OFF, LEASE_RENEW_MS: '500', LEASE_TTL_MS: '15000' };
  apiNode = await new GatewayProcess({ sim: sim.info, databaseUrl: pg.url, role: 'api', env }).start();
  worker = await new GatewayProcess({ sim: sim.info, databaseUrl: pg.url, role: 'worker', env }).start();
  api = apiNode.api;
});
afterAll(async () => {
  await apiNode?.dispose();
  await worker?.dispose();
  await pg?.stop();
  await sim?.close();
});

/** ?wait=qr on an API node without sessions: the worker's events reach it through the event tail. */
describe('?wait=qr in fleet mode (an API node, the session on a worker)', () => {
  it('answers a create with the first QR code, and a start of the linked number with the connection', async () => {
    const { phone } = sim.api.createAccount({ name: 'Fleet Wait' });
    const created = await api.post<Waited>('/api/v1/instances?wait=qr', { name: 'fleet-wait' });
    expect(created.status).toBe(201);
    expect(created.body.link?.outcome).toBe('qr');
    expect(created.body.link?.qrDataUrl).toMatch(/^data:image\/png;base64,/);
    const scan = await fetch(`${sim.info.adminUrl}/accounts/${phone}/link-qr`, {
      method: 'POST',
      body: JSON.stringify({ qr: created.body.link?.qr }),
    });
    expect(scan.ok).toBe(true);
    await waitForStatus(api, created.body.id, 'connected');

    expect((await api.post(`/api/v1/instances/${created.body.id}/stop`)).status).toBe(200);
    const started = await api.post<Waited>(`/api/v1/instances/${created.body.id}/start?wait=qr&waitMs=30000`);
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ status: 'connected', link: { outcome: 'connected' } });
  });

  it('starts a logged-out number again through the API node: a new QR code from the worker', async () => {
    const { phone } = sim.api.createAccount({ name: 'Fleet Relink' });
    const created = await api.post<Waited>('/api/v1/instances?wait=qr', { name: 'fleet-relink' });
    expect(created.body.link?.outcome).toBe('qr');
    const scan = await fetch(`${sim.info.adminUrl}/accounts/${phone}/link-qr`, {
      method: 'POST',
      body: JSON.stringify({ qr: created.body.link?.qr }),
    });
    expect(scan.ok).toBe(true);
    await waitForStatus(api, created.body.id, 'connected');
    const out = await api.post<Waited>(`/api/v1/instances/${created.body.id}/logout`);
    expect(out.body.status).toBe('logged_out');

    const again = await api.post<Waited>(`/api/v1/instances/${created.body.id}/start?wait=qr&waitMs=30000`);
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body.link?.outcome).toBe('qr');
    const rescan = await fetch(`${sim.info.adminUrl}/accounts/${phone}/link-qr`, {
      method: 'POST',
      body: JSON.stringify({ qr: again.body.link?.qr }),
    });
    expect(rescan.ok).toBe(true);
    expect((await waitForStatus(api, created.body.id, 'connected')).status).toBe('connected');
  });
});
