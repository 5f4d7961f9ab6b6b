import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InstanceJson, waitForStatus } from '../support/gateway-harness.ts';
import { eventually } from '../support/http-client.ts';
import { type LinkedGateway, startLinkedGateway } from '../support/linked-gateway.ts';

type Logs = { items: Array<{ id: number; data: { status: string; reason: string } }> };

// Baileys pings every 3 s and gives up on a link after more than 8 s of silence (interval + 5 s);
// the watchdog calls a link dead after 5 s without a frame, so it is the one that acts.
const KEEPALIVE_MS = 3_000;
const WATCHDOG_MS = 5_000;

describe('the dead-link watchdog', () => {
  let linked: LinkedGateway;
  const logs = async () =>
    (await linked.api.get<Logs>(`/api/v1/instances/${linked.instance.id}/logs?limit=500`)).body.items;

  beforeAll(async () => {
    linked = await startLinkedGateway({
      name: 'watched',
      env: { KEEPALIVE_INTERVAL_MS: String(KEEPALIVE_MS), WATCHDOG_MS: String(WATCHDOG_MS) },
    });
  });
  afterAll(async () => {
    await linked?.close();
  });

  it('leaves a quiet but live link alone: the keep-alive traffic counts', async () => {
    const before = await logs();
    await eventually(
      'two watchdog windows of connected time',
      async () => {
        const now = (await linked.api.get<InstanceJson>(`/api/v1/instances/${linked.instance.id}`)).body;
        return Date.now() - new Date(String(now.connectedAt)).getTime() > 2 * WATCHDOG_MS + 1_000;
      },
      30_000,
      500,
    );
    expect(await logs()).toEqual(before);
  });

  it('reconnects a link that went silent, before Baileys notices', async () => {
    const newest = (await logs())[0]?.id ?? 0;
    const fault = await fetch(`${linked.sim.info.adminUrl}/faults`, {
      method: 'POST',
      body: JSON.stringify({ phone: linked.phone, kind: 'silence' }),
    });
    expect(fault.status).toBe(200);
    await waitForStatus(linked.api, linked.instance.id, 'disconnected', 20_000);
    await waitForStatus(linked.api, linked.instance.id, 'connected', 20_000);
    const since = (await logs()).filter((e) => e.id > newest).reverse();
    const dropped = since.find((e) => e.data.status === 'disconnected');
    expect(dropped?.data.reason).toMatch(/^watchdog; reconnecting/);
    expect(since.map((e) => e.data.status)).toEqual(['disconnected', 'connecting', 'connected']);
  });
});
