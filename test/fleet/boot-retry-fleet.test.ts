import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../sim/simulator.ts';
import {
  GatewayProcess,
  type InstanceJson,
  linkByQr,
  PACING_OFF,
  waitForStatus,
} from '../support/gateway-harness.ts';
import { type ApiClient, eventually } from '../support/http-client.ts';

type Logs = { items: Array<{ data: { status: string } }> };

/**
 * Leases renewed often, so that a worker takes a free instance within half a second, and long
 * enough that a worker held up on a loaded machine keeps its own (with 1.5 s, a fresh-clone run
 * saw the trusting worker's lease lapse mid-link and a wary worker take the instance over).
 * Every lease here is given back, never left to run out.
 */
const LEASES = { ...PACING_OFF, LEASE_RENEW_MS: '500', LEASE_TTL_MS: '6000' };
const FAST_RETRIES = { BOOT_RETRY_ATTEMPTS: '2', BOOT_RETRY_BASE_MS: '200' };
/**
 * Two workers booting together: the winner holds the lease from its first attempt to its give-up
 * (6 s + 12 s of waits), so the other's first claim, 6 s after its own boot, finds it held unless
 * it booted 12 s later. (With 2 s, a fresh-clone run on a loaded machine booted the two more than
 * 4 s apart: the second claimed the lease after the first gave it back, and ran retries of its own.)
 */
const SLOW_RETRIES = { BOOT_RETRY_ATTEMPTS: '2', BOOT_RETRY_BASE_MS: '6000', LOG_LEVEL: 'info' };

/** The statuses an instance went through, oldest first. */
const statusesOf = async (api: ApiClient, id: string) =>
  (await api.get<Logs>(`/api/v1/instances/${id}/logs?limit=500`)).body.items
    .map((e) => e.data.status)
    .reverse();

const instanceOf = async (api: ApiClient, id: string) =>
  (await api.get<InstanceJson>(`/api/v1/instances/${id}`)).body;

/**
 * Fleet mode (an API process and workers on one SQLite file): a worker that trusts another root
 * key than the simulator's has every handshake refused, so an instance really ends `failed`; its
 * lease goes back, booting workers retry it (one of them, holding the lease), and a worker that
 * trusts the simulator brings it back to a QR code and a link.
 */
describe('fleet workers retry failed instances at boot', () => {
  let sim: RunningSimulator;
  let otherRoot: string;
  let apiNode: GatewayProcess;
  const workers: GatewayProcess[] = [];
  let id = '';

  const worker = (nodeId: string, trusting: boolean, env: Record<string, string>) => {
    const proc = new GatewayProcess({
      sim: trusting ? sim.info : { ...sim.info, rootPublicKey: otherRoot },
      databaseUrl: apiNode.databaseUrl,
      role: 'worker',
      env: { ...LEASES, ...env, NODE_ID: nodeId },
    });
    workers.push(proc);
    return proc;
  };

  beforeAll(async () => {
    sim = await startSimulator();
    otherRoot = randomBytes(32).toString('base64');
    apiNode = await new GatewayProcess({
      sim: sim.info,
      role: 'api',
      env: { ...LEASES, NODE_ID: 'api' },
    }).start();
  });
  afterAll(async () => {
    for (const proc of workers) await proc.dispose();
    await apiNode?.dispose();
    await sim?.close();
  });

  it('gives the lease of an instance that ended failed back, and an operator start tries it again', async () => {
    const wary = await worker('wary-1', false, FAST_RETRIES).start();
    const created = await apiNode.api.post<InstanceJson>('/api/v1/instances', { name: 'fleet-flaky' });
    expect(created.status).toBe(201);
    id = created.body.id;
    expect((await waitForStatus(apiNode.api, id, 'failed')).lastError).toMatch(/certificate/i);
    await eventually('the lease given back', async () => (await instanceOf(apiNode.api, id)).owner === null);

    // no worker takes a failed instance by itself: the start makes it one to take
    const started = await apiNode.api.post<InstanceJson>(`/api/v1/instances/${id}/start`);
    expect(started.status).toBe(200);
    await eventually('the second failure', async () => (await statusesOf(apiNode.api, id)).length === 4);
    expect(await statusesOf(apiNode.api, id)).toEqual(['connecting', 'failed', 'connecting', 'failed']);
    await eventually('the lease given back', async () => (await instanceOf(apiNode.api, id)).owner === null);

    expect(await wary.stop('SIGTERM')).toBe(0);
    // the worker held nothing to hand over: the instance is still failed, not "disconnected"
    expect(await instanceOf(apiNode.api, id)).toMatchObject({ status: 'failed', owner: null });
  });

  it('of two workers booting together, one takes the lease and runs every attempt, then gives it back', async () => {
    const pair = await Promise.all([
      worker('wary-2', false, SLOW_RETRIES).start(),
      worker('wary-3', false, SLOW_RETRIES).start(),
    ]);
    const winner = await eventually(
      'one worker to give up',
      () => pair.find((w) => w.output.includes('every retry at boot failed')),
      90_000,
    );
    const other = pair.find((w) => w !== winner);
    // it finds the lease held, or, checking while the winner's attempt runs, the instance connecting
    await eventually('the other to leave it', () =>
      /another worker holds it and runs its retries|no longer failed; retries left off/.test(
        other?.output ?? '',
      ),
    );
    expect(winner.output.match(/failed instance: retrying at boot/g)).toHaveLength(2);
    expect(other?.output.match(/failed instance: retrying at boot/g)).toHaveLength(1);
    // two attempts in all, not four
    expect((await statusesOf(apiNode.api, id)).slice(4)).toEqual([
      'connecting',
      'failed',
      'connecting',
      'failed',
    ]);
    await eventually('the lease given back', async () => (await instanceOf(apiNode.api, id)).owner === null);
  });

  it('a worker trusting the simulator boots, retries it, and it links', async () => {
    // the wary pair still runs: the trusting worker wins the lease because it was given back
    const trusting = await worker('trusting', true, FAST_RETRIES).start();
    const { phone } = sim.api.createAccount({ name: 'fleet-flaky' });
    const linked = await linkByQr(apiNode.api, sim.info.adminUrl, id, phone);
    expect(linked).toMatchObject({ status: 'connected', phone, lastError: null, owner: 'trusting' });
    // the log can be a step behind the row the link was seen on (a fresh-clone run read 'connecting' last)
    const retried = await eventually('the link in the log', async () => {
      const since = (await statusesOf(apiNode.api, id)).slice(8);
      return since.at(-1) === 'connected' ? since : undefined;
    });
    expect(retried.slice(0, 2)).toEqual(['connecting', 'qr']);
    expect(retried).not.toContain('failed');
    expect(trusting.output.match(/failed instance: retrying at boot/g)).toHaveLength(1);
  });
});
