import type { InstanceJson } from '../../test/support/gateway-harness.ts';
import { type ApiClient, eventually } from '../../test/support/http-client.ts';
import { log } from './run.ts';
import { inWaves, type SimAdmin } from './sim-admin.ts';

export interface LinkedInstance {
  id: string;
  name: string;
  phone: string;
}

const LINK_TIMEOUT_MS = 180_000;

/**
 * Creates one gateway instance and has a new simulated phone scan its QR code (over both HTTP
 * APIs, like an operator), then waits for it to be connected.
 */
export async function linkGatewayInstance(
  api: ApiClient,
  sim: SimAdmin,
  name: string,
): Promise<LinkedInstance> {
  const { phone } = await sim.createAccount(name);
  const created = await api.post<InstanceJson>('/api/v1/instances', { name });
  if (created.status !== 201 && created.status !== 200)
    throw new Error(`creating ${name} answered ${created.status}: ${JSON.stringify(created.body)}`);
  const id = created.body.id;
  // Until connected: scan each new QR code the instance shows (a handshake that timed out under
  // load reconnects and shows a new one). The status first: every GET of /qr draws a PNG.
  let scanned: string | undefined;
  await eventually(
    `${name} to be connected`,
    async () => {
      const { body } = await api.get<InstanceJson>(`/api/v1/instances/${id}`);
      if (body.status === 'connected') return true;
      if (body.status !== 'qr') return undefined;
      const res = await api.get<{ available: boolean; qr: string | null }>(`/api/v1/instances/${id}/qr`);
      const qr = res.body.qr;
      if (!res.body.available || !qr || qr === scanned) return undefined;
      scanned = qr;
      await sim.linkQr(phone, qr).catch((err: unknown) => log(`  ${name}: scan failed (${String(err)})`));
      return undefined;
    },
    LINK_TIMEOUT_MS,
    300,
  );
  return { id, name, phone };
}

/** Links `count` instances named `<prefix>-<n>`, at most `wave` at a time. */
export function linkGatewayInstances(
  api: ApiClient,
  sim: SimAdmin,
  prefix: string,
  count: number,
  wave: number,
  onWave?: (done: number) => void,
): Promise<LinkedInstance[]> {
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  return inWaves(names, wave, (name) => linkGatewayInstance(api, sim, name), onWave);
}
