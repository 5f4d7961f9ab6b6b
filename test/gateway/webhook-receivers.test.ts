import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../sim/simulator.ts';
import { EndlessServer } from '../support/endless-server.ts';
import { GatewayProcess } from '../support/gateway-harness.ts';
import { type ApiClient, eventually } from '../support/http-client.ts';

type Delivery = { id: string; status: string; lastStatusCode: number | null; lastResponse: string | null };

let sim: RunningSimulator;
let gw: GatewayProcess;
let api: ApiClient;
// answers 200, then a body that does not end (it stops writing at 32 MB and waits for the client)
const endless = new EndlessServer(32 * 1024 * 1024, { 'content-type': 'text/plain' });

beforeAll(async () => {
  await endless.start();
  sim = await startSimulator();
  gw = await new GatewayProcess({ sim: sim.info, env: { WEBHOOK_ALLOW_PRIVATE: '1' } }).start();
  api = gw.api;
});
afterAll(async () => {
  await gw?.dispose();
  await sim?.close();
  await endless.close();
});

describe('webhook receivers', () => {
  it('marks a delivery delivered on a 200 with an endless body, keeping only its first bytes', async () => {
    const hook = await api.post<{ id: string }>('/api/v1/webhooks', {
      url: `${endless.url}/endless-answer`,
      events: ['instance.status'],
    });
    expect(hook.status).toBe(201);
    expect((await api.post('/api/v1/instances', { name: 'talker', start: false })).status).toBe(201);
    await api.post('/api/v1/instances/talker/start');
    const delivered = await eventually('a delivered delivery', async () => {
      const page = await api.get<{ items: Delivery[] }>(
        `/api/v1/webhooks/${hook.body.id}/deliveries?status=delivered`,
      );
      return page.body.items[0];
    });
    expect(delivered.lastStatusCode).toBe(200);
    expect(delivered.lastResponse).toBe('a'.repeat(2048));
    const stream = await eventually('the answer to be cut off', () =>
      endless.streams.find((s) => s.path === '/endless-answer' && s.closedByClient),
    );
    expect(stream.written).toBeLessThan(32 * 1024 * 1024);
    await api.delete(`/api/v1/webhooks/${hook.body.id}`);
  });
});
