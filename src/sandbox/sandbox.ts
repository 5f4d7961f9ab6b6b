import { join } from 'node:path';
import type { Gateway, GatewayOverrides } from '../app.ts';
import type { Config } from '../config.ts';
import { DEMO_CONTACTS, DEMO_PHONE, quickStart, seedDemo } from './demo.ts';
import { type SandboxLink, SandboxScanError } from './sandbox-link.ts';

export const SANDBOX_DATA_DIR = './data/sandbox';
/** Under the sandbox's data directory: the simulator's root key, phones, links and contacts. */
export const SIMULATOR_STATE_DIR = 'simulator';

export interface SandboxHost {
  /** The validated configuration from the environment, with the sandbox's settings over it. */
  config(overrides: Record<string, string | undefined>): Readonly<Config>;
  /** Builds, starts and announces the gateway (`banner` lines under the listening line). */
  serve(cfg: Readonly<Config>, banner: string[], overrides: GatewayOverrides): Promise<Gateway>;
}

type RunningSimulator = Awaited<ReturnType<typeof import('../../sim/simulator.ts').startSimulator>>;

function linkTo(sim: RunningSimulator): SandboxLink {
  return {
    demo: { phone: DEMO_PHONE.phone, contacts: [...DEMO_CONTACTS] },
    simulatorUrl: sim.info.adminUrl,
    scanQr: (phone, qr) => {
      try {
        const { device } = sim.api.linkQr(phone, qr);
        return { phone, device };
      } catch (err) {
        // the simulator's own errors (no such phone, no companion showing that code) carry a status
        if (typeof (err as { status?: unknown }).status === 'number')
          throw new SandboxScanError((err as Error).message);
        throw err;
      }
    },
  };
}

/**
 * `zapgate sandbox`: the simulator in this process and the gateway wired to it, in a data directory
 * of its own (the simulator's state under it, so links survive a restart), with private URLs
 * allowed (the webhook receiver on 127.0.0.1 that everyone tries first) and a demo phone and
 * contacts to play with.
 */
export async function runSandbox(host: SandboxHost, env: NodeJS.ProcessEnv = process.env): Promise<Gateway> {
  const dataDir = env.DATA_DIR || SANDBOX_DATA_DIR;
  const { startSimulator } = await import('../../sim/simulator.ts');
  const sim = await startSimulator({ tls: false, stateDir: join(dataDir, SIMULATOR_STATE_DIR) });
  seedDemo(sim.api);
  const cfg = host.config({
    // Its own data by default: a real server's instances are never even seen from here.
    DATA_DIR: dataDir,
    ALLOW_PRIVATE_URLS: env.ALLOW_PRIVATE_URLS || '1',
    WA_SERVER_URL: sim.info.wsUrl,
    WA_SERVER_ROOT_KEY: sim.info.rootPublicKey,
    WA_SERVER_TLS_CERT: sim.info.tlsCert,
  });
  const gateway = await host.serve(
    cfg,
    [
      `WhatsApp simulator: socket ${sim.info.wsUrl}, admin API ${sim.info.adminUrl} (create phones and contacts there)`,
      `Sandbox mode: instances link to the simulator, never to WhatsApp; data in ${cfg.dataDir} (the simulator's phones and links in ${join(cfg.dataDir, SIMULATOR_STATE_DIR)}).`,
      cfg.allowPrivateUrls
        ? 'Private URLs allowed: webhooks and media by URL may point at 127.0.0.1 and your LAN (ALLOW_PRIVATE_URLS=0 to refuse them).'
        : 'Private URLs refused (ALLOW_PRIVATE_URLS=0): webhooks and media by URL must be public.',
    ],
    { sandbox: linkTo(sim) },
  );
  const url = gateway.app.listeningOrigin;
  const lines = quickStart({
    url,
    simulatorUrl: sim.info.adminUrl,
    dataDir: cfg.dataDir,
    keyFromEnvironment: Boolean(cfg.apiKey),
  });
  process.stderr.write(`\n${lines.join('\n')}\n\n`);
  const stop = gateway.stop;
  gateway.stop = async () => {
    await stop();
    await sim.close();
  };
  return gateway;
}
