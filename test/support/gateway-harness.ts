import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { SimulatorInfo } from '../../sim/simulator.ts';
import { ApiClient, eventually } from './http-client.ts';
import { startTestPostgres, type TestPostgres } from './postgres.ts';
import { zapgateArgs } from './zapgate-command.ts';

const ROOT = resolve(import.meta.dirname, '../..');
export const ADMIN_KEY = 'zg_test_admin_key_0123456789';

/** Tests and benchmarks turn pacing off explicitly; the defaults are for real numbers. */
export const PACING_OFF = {
  PACING_MIN_DELAY_MS: '0',
  PACING_MAX_DELAY_MS: '0',
  PACING_TYPING: '0',
  PACING_DAILY_LIMIT: '0',
  PACING_WARMUP_START: '0',
};

/**
 * The database a gateway gets when its test names none: SQLite, or a fresh PostgreSQL database
 * when the run sets `ZG_TEST_STORE=postgres` (the `postgres` project of vitest.config.ts). Read at
 * each call: test files share their worker's modules (`isolate: false`).
 */
export const testStore = (): 'sqlite' | 'postgres' =>
  process.env.ZG_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

/** Below Linux's ephemeral range (32768-60999 by default), where outgoing connections take theirs. */
const CHOSEN_PORTS = { from: 20_000, to: 32_000 };

/**
 * A port a child process can listen on a moment later. Not one the kernel hands out (`listen(0)`):
 * from that range, any outgoing connection of the run (a gateway's to the simulator, a test's
 * fetch) can be given the same port in between, and the child then fails with EADDRINUSE. A
 * random port below it, tried first.
 */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 100; tries++) {
    const port = CHOSEN_PORTS.from + Math.floor(Math.random() * (CHOSEN_PORTS.to - CHOSEN_PORTS.from));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port among 100 tried in ${CHOSEN_PORTS.from}-${CHOSEN_PORTS.to}`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((res) => {
    const srv = createServer();
    srv.once('error', () => res(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => res(true)));
  });
}

export interface GatewayOptions {
  sim: SimulatorInfo;
  databaseUrl?: string;
  dataDir?: string;
  env?: Record<string, string>;
  /** The CLI command: `serve` (default), or a fleet role (a worker serves only /health, /metrics). */
  role?: 'serve' | 'api' | 'worker';
}

/**
 * The gateway as a real child process (`src/main.ts serve`), as an operator runs it: it can be
 * killed with SIGKILL and started again on the same database.
 */
export class GatewayProcess {
  child: ChildProcess | undefined;
  readonly dataDir: string;
  /** Set by the constructor, or by the first start when a PostgreSQL database is made for it. */
  databaseUrl: string;
  port = 0;
  output = '';
  private readonly ownsDataDir: boolean;
  private ownDatabase: TestPostgres | undefined;

  constructor(readonly options: GatewayOptions) {
    this.ownsDataDir = !options.dataDir;
    this.dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'zg-gw-'));
    const sqlite = `sqlite://${join(this.dataDir, 'zapgate.db')}`;
    this.databaseUrl = options.databaseUrl ?? (testStore() === 'sqlite' ? sqlite : '');
  }

  get api(): ApiClient {
    return new ApiClient(`http://127.0.0.1:${this.port}`, ADMIN_KEY);
  }

  async start(): Promise<this> {
    this.port = this.port || (await freePort());
    if (!this.databaseUrl) {
      this.ownDatabase = await startTestPostgres();
      this.databaseUrl = this.ownDatabase.url;
    }
    const { sim } = this.options;
    const role = this.options.role ?? 'serve';
    this.child = spawn(process.execPath, zapgateArgs(role), {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: String(this.port),
        WORKER_PORT: String(this.port),
        HOST: '127.0.0.1',
        DATA_DIR: this.dataDir,
        DATABASE_URL: this.databaseUrl,
        API_KEY: ADMIN_KEY,
        WA_SERVER_URL: sim.wsUrl,
        WA_SERVER_ROOT_KEY: sim.rootPublicKey,
        WA_SERVER_TLS_CERT: sim.tlsCert,
        BOOT_STAGGER_MS: '50',
        RECONNECT_BASE_MS: '200',
        RECONNECT_MAX_MS: '2000',
        LOG_LEVEL: process.env.GATEWAY_LOG_LEVEL ?? 'warn',
        ...this.options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
      if (process.env.GATEWAY_LOG) process.stderr.write(chunk);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    const child = this.child;
    await eventually(
      `the gateway to listen (output: ${this.output.slice(-500)})`,
      async () => {
        if (child.exitCode !== null)
          throw new Error(`gateway exited with ${child.exitCode}: ${this.output.slice(-2000)}`);
        const res = await fetch(`http://127.0.0.1:${this.port}/health`).catch(() => undefined);
        return res?.ok;
      },
      // generous: on a loaded machine tsx alone can take most of half a minute
      90_000,
    );
    return this;
  }

  /** Ends the process: SIGTERM (clean shutdown) or SIGKILL (a crash). */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }

  async dispose(): Promise<void> {
    await this.stop('SIGKILL');
    await this.ownDatabase?.stop();
    this.ownDatabase = undefined;
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export type InstanceJson = {
  id: string;
  name: string;
  status: string;
  phone: string | null;
  lastError: string | null;
  [k: string]: unknown;
};

export function waitForStatus(
  api: ApiClient,
  id: string,
  status: string | string[],
  timeoutMs = 30_000,
): Promise<InstanceJson> {
  const wanted = Array.isArray(status) ? status : [status];
  let last: InstanceJson | undefined;
  return eventually(
    `instance ${id} to be ${wanted.join(' or ')}`,
    async () => {
      const res = await api.get<InstanceJson>(`/api/v1/instances/${id}`);
      last = res.body;
      return wanted.includes(res.body.status) ? res.body : undefined;
    },
    timeoutMs,
  ).catch((error: Error) => {
    // what it was instead says where the link stopped
    const seen = last ? `; it was ${last.status}${last.lastError ? ` (${last.lastError})` : ''}` : '';
    throw new Error(`${error.message}${seen}`);
  });
}

/** Waits for the instance's QR code over the API and has the simulated phone scan it. */
export async function linkByQr(
  api: ApiClient,
  simAdminUrl: string,
  id: string,
  phone: string,
): Promise<InstanceJson> {
  const qr = await eventually('a QR code', async () => {
    const res = await api.get<{ available: boolean; qr: string | null }>(`/api/v1/instances/${id}/qr`);
    return res.body.available ? res.body.qr : undefined;
  });
  const scan = await fetch(`${simAdminUrl}/accounts/${phone}/link-qr`, {
    method: 'POST',
    body: JSON.stringify({ qr }),
  });
  if (!scan.ok) throw new Error(`the phone could not scan: ${await scan.text()}`);
  return waitForStatus(api, id, 'connected');
}
