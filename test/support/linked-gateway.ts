import { type RunningSimulator, startSimulator } from '../../sim/simulator.ts';
import { GatewayProcess, type InstanceJson, linkByQr, PACING_OFF } from './gateway-harness.ts';
import type { ApiClient } from './http-client.ts';

export interface LinkedGateway {
  sim: RunningSimulator;
  gw: GatewayProcess;
  api: ApiClient;
  /** The simulated phone the instance is linked to. */
  phone: string;
  instance: InstanceJson;
  /** Stops the gateway (and removes its data), then the simulator. */
  close(): Promise<void>;
}

export interface LinkedGatewayOptions {
  /** Instance name; the phone's account is named after it. */
  name: string;
  /** Gateway environment on top of PACING_OFF. */
  env?: Record<string, string>;
  /** Runs once the gateway is up, before the instance is created (a webhook that must see linking). */
  beforeLink?: (api: ApiClient) => Promise<void>;
}

/**
 * What most gateway suites start from: a simulator, the real gateway as a child process with pacing
 * off, and one instance linked by QR code to a new simulated phone.
 */
export async function startLinkedGateway(options: LinkedGatewayOptions): Promise<LinkedGateway> {
  const sim = await startSimulator();
  const gw = new GatewayProcess({ sim: sim.info, env: { ...PACING_OFF, ...options.env } });
  const close = async () => {
    await gw.dispose();
    await sim.close();
  };
  try {
    await gw.start();
    const api = gw.api;
    await options.beforeLink?.(api);
    const { phone } = sim.api.createAccount({ name: options.name });
    const created = await api.post<InstanceJson>('/api/v1/instances', { name: options.name });
    if (created.status !== 201) throw new Error(`creating ${options.name} answered ${created.status}`);
    const instance = await linkByQr(api, sim.info.adminUrl, created.body.id, phone);
    return { sim, gw, api, phone, instance, close };
  } catch (error) {
    await close();
    throw error;
  }
}
