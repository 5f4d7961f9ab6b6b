import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../sim/simulator.ts';
import { GatewayProcess, type InstanceJson, linkByQr, PACING_OFF } from '../support/gateway-harness.ts';
import { type ApiClient, eventually } from '../support/http-client.ts';
import { startTestPostgres, type TestPostgres } from '../support/postgres.ts';

let sim: RunningSimulator;
let pg: TestPostgres;
let apiNode: GatewayProcess;
let worker: GatewayProcess;
let api: ApiClient;
let phone: string;
const base = '/api/v1/instances/fleet-desk';
const jid = (p: string) => `${p}@s.whatsapp.net`;

beforeAll(async () => {
  sim = await startSimulator({ historySync: { chats: 1, messagesPerChat: 1 } });
  sim.api.createContact({ name: 'Old Friend' });
  pg = await startTestPostgres();
  const env = { ...PACING_OFF, LEASE_RENEW_MS: '500', LEASE_TTL_MS: '3000' };
  apiNode = await new GatewayProcess({ sim: sim.info, databaseUrl: pg.url, role: 'api', env }).start();
  worker = await new GatewayProcess({ sim: sim.info, databaseUrl: pg.url, role: 'worker', env }).start();
  api = apiNode.api;
  ({ phone } = sim.api.createAccount({ name: 'Fleet Desk' }));
  const created = await api.post<InstanceJson>('/api/v1/instances', { name: 'fleet-desk' });
  await linkByQr(api, sim.info.adminUrl, created.body.id, phone);
});
afterAll(async () => {
  await apiNode?.dispose();
  await worker?.dispose();
  await pg?.stop();
  await sim?.close();
});

describe('contacts and profile in fleet mode (an API node, the owner a worker)', () => {
  it('lists the chats the worker recorded and runs live calls on the owner', async () => {
    const chats = await eventually('the history chat through the API node', async () => {
      const res = await api.get<{ items: Array<{ jid: string; name: string | null }> }>(`${base}/chats`);
      return res.body.items.length ? res.body.items : undefined;
    });
    expect(chats[0]?.name).toBe('Old Friend');

    const shop = sim.api.createContact({ name: 'Shop' });
    const set = sim.api.profiles.change(shop.phone, {
      about: 'Open late',
      business: { description: 'Shop' },
    });
    const contact = await api.get(`${base}/contacts/${shop.phone}`);
    expect(contact.status).toBe(200);
    expect(contact.body).toMatchObject({ about: set.about, isBusiness: true, pictureUrl: null });

    const privacy = await api.patch(`${base}/profile/privacy`, { readReceipts: 'none' });
    expect(privacy.body).toMatchObject({ readReceipts: 'none' });
    expect(sim.api.profiles.privacy(phone).readreceipts).toBe('none');

    expect((await api.post(`${base}/contacts/${shop.phone}/block`)).status).toBe(200);
    expect((await api.get<{ items: string[] }>(`${base}/blocklist`)).body.items).toEqual([jid(shop.phone)]);
    const bad = await api.patch(`${base}/profile/privacy`, { online: 'contacts' });
    expect(bad.status).toBe(400);
  });
});
