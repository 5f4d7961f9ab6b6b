import { type RunningSimulator, type SimulatorOptions, startSimulator } from '../../sim/simulator.ts';
import { type ClientOptions, SimClient } from './sim-client.ts';

/** A simulator for one test file, plus helpers to link real Baileys clients to its accounts. */
export class SimFixture {
  readonly clients: SimClient[] = [];
  private constructor(readonly sim: RunningSimulator) {}

  static async start(options: SimulatorOptions = {}): Promise<SimFixture> {
    const log = process.env.SIM_LOG
      ? (e: string, d: Record<string, unknown>) => console.error('[sim]', e, JSON.stringify(d))
      : undefined;
    return new SimFixture(await startSimulator({ ...(log ? { log } : {}), ...options }));
  }

  get api() {
    return this.sim.api;
  }

  client(options: ClientOptions = {}): SimClient {
    const client = new SimClient(this.sim.info, options);
    this.clients.push(client);
    return client;
  }

  /** A new account with a client linked to it by QR, connected and past its first login. */
  async linkedClient(
    options: ClientOptions & { phone?: string; timeoutMs?: number } = {},
  ): Promise<{ client: SimClient; phone: string }> {
    const { phone } = this.api.createAccount({
      ...(options.phone ? { phone: options.phone } : {}),
      name: options.name,
    });
    const client = this.client(options).connect();
    const qr = await client.waitFor('a QR code', () => client.lastQr, options.timeoutMs);
    this.api.linkQr(phone, qr);
    await client.waitForOpen(1, options.timeoutMs);
    return { client, phone };
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.end();
    await this.sim.close();
  }
}
