import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../sim/simulator.ts';
import { GatewayProcess, type InstanceJson, linkByQr, waitForStatus } from '../support/gateway-harness.ts';
import { type ApiClient, eventually } from '../support/http-client.ts';

type Logs = { items: Array<{ id: number; data: { status: string; reason?: string } }> };
type Failure = { error: { code: string; message: string; details?: Record<string, unknown> } };

const RETRIES = { BOOT_RETRY_ATTEMPTS: '2', BOOT_RETRY_BASE_MS: '200' };

/** The statuses an instance went through, oldest first. */
const statusesOf = async (api: ApiClient, id: string) =>
  (await api.get<Logs>(`/api/v1/instances/${id}/logs?limit=500`)).body.items
    .map((e) => e.data.status)
    .reverse();

/**
 * Instances that ended `failed` are started again at boot, a bounded number of times with backoff:
 * a gateway that trusts another root key than the simulator's has every handshake refused (a
 * certificate check), so its instance really ends failed; restarted, it retries and gives up; a
 * gateway that trusts the right key, on the same database, brings it back to a QR code and a link.
 */
describe('failed instances are retried at boot', () => {
  let sim: RunningSimulator;
  let wary: GatewayProcess;
  let trusting: GatewayProcess | undefined;

  beforeAll(async () => {
    sim = await startSimulator();
    const otherRoot = randomBytes(32).toString('base64');
    wary = await new GatewayProcess({ sim: { ...sim.info, rootPublicKey: otherRoot }, env: RETRIES }).start();
  });
  afterAll(async () => {
    await trusting?.stop('SIGKILL');
    await wary?.dispose();
    await sim?.close();
  });

  it('retries a failed instance twice with backoff, then leaves it failed; a good server brings it back', async () => {
    // ?wait=qr on a create that ends failed first: a coded 409 naming the instance
    const created = await wary.api.post<Failure>('/api/v1/instances?wait=qr', { name: 'flaky' });
    expect(created.status).toBe(409);
    expect(created.body.error.code).toBe('ZG_ERR_LINK_ENDED');
    expect(created.body.error.details).toMatchObject({ name: 'flaky', status: 'failed' });
    const id = String(created.body.error.details?.id);
    expect((await waitForStatus(wary.api, id, 'failed')).lastError).toMatch(/certificate/i);
    const parked = await wary.api.post<InstanceJson>('/api/v1/instances', { name: 'parked', start: false });
    expect(await statusesOf(wary.api, id)).toEqual(['connecting', 'failed']);

    expect(await wary.stop('SIGTERM')).toBe(0);
    await wary.start();
    await eventually('the retries to give up', async () => wary.output.includes('left failed'), 30_000);
    expect(await statusesOf(wary.api, id)).toEqual([
      'connecting',
      'failed',
      'connecting',
      'failed',
      'connecting',
      'failed',
    ]);
    expect(wary.output.match(/failed instance: retrying at boot/g)).toHaveLength(2);
    expect((await wary.api.get<InstanceJson>(`/api/v1/instances/${parked.body.id}`)).body.status).toBe(
      'created',
    );

    expect(await wary.stop('SIGTERM')).toBe(0);
    trusting = await new GatewayProcess({
      sim: sim.info,
      dataDir: wary.dataDir,
      databaseUrl: wary.databaseUrl,
      env: RETRIES,
    }).start();
    const { phone } = sim.api.createAccount({ name: 'flaky' });
    const linked = await linkByQr(trusting.api, sim.info.adminUrl, id, phone);
    expect(linked).toMatchObject({ status: 'connected', phone, lastError: null });
    expect((await trusting.api.get<InstanceJson>(`/api/v1/instances/${parked.body.id}`)).body.status).toBe(
      'created',
    );
  });
});
