import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../sim/simulator.ts';
import { GatewayProcess } from '../support/gateway-harness.ts';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.ts';

type Issued = { tenant: { id: string }; apiKey: { key: string } };
type ErrorJson = { error: { code: string; message: string } };

/** /metrics names every tenant's instance ids: by default only the operator reads it. */
describe('who may read /metrics', () => {
  let sim: RunningSimulator;
  let guarded: GatewayProcess;
  let instanceId: string;
  let tenantKey = '';

  beforeAll(async () => {
    sim = await startSimulator();
    guarded = await new GatewayProcess({ sim: sim.info }).start();
    const tenant = await guarded.api.post<Issued>('/api/v1/tenants', { name: 'Shop' });
    const created = await guarded.api
      .withKey(tenant.body.apiKey.key)
      .post<{ id: string }>('/api/v1/instances', { name: 'till' });
    instanceId = created.body.id;
    tenantKey = tenant.body.apiKey.key;
  });
  afterAll(async () => {
    await guarded?.dispose();
    await sim?.close();
  });

  const scrape = (gw: GatewayProcess, key?: string) =>
    fetch(`${gw.api.baseUrl}/metrics`, key ? { headers: { authorization: `Bearer ${key}` } } : {});

  it('by default refuses a scrape without a key (401) and with a tenant key (403)', async () => {
    const none = await scrape(guarded);
    expect(none.status).toBe(401);
    expect(((await none.json()) as ErrorJson).error.code).toBe('ZG_ERR_UNAUTHORIZED');
    const wrong = await scrape(guarded, 'zg_not_a_key');
    expect(wrong.status).toBe(401);
    const tenant = await scrape(guarded, tenantKey);
    expect(tenant.status).toBe(403);
    const body = (await tenant.json()) as ErrorJson;
    expect(body.error.code).toBe('ZG_ERR_FORBIDDEN');
    expect(body.error.message).toMatch(/METRICS_PUBLIC/);
  });

  it('serves the admin key, instance ids and all', async () => {
    const res = await scrape(guarded, guarded.api.key);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain(instanceId);
    expect(sampleValue(parsePrometheusText(text), 'zapgate_database_up')).toBe(1);
  });

  it('METRICS_PUBLIC=1 opens it for a Prometheus without credentials', async () => {
    const open = await new GatewayProcess({ sim: sim.info, env: { METRICS_PUBLIC: '1' } }).start();
    try {
      const res = await scrape(open);
      expect(res.status).toBe(200);
      expect(sampleValue(parsePrometheusText(await res.text()), 'zapgate_database_up')).toBe(1);
    } finally {
      await open.dispose();
    }
  });
});
