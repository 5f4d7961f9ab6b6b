import { type SpawnedSimulator, spawnSimulator } from '../../sim/child-process.ts';
import { GatewayProcess, PACING_OFF } from '../../test/support/gateway-harness.ts';
import { startTestPostgres } from '../../test/support/postgres.ts';
import { type Dialect, log, onCleanup } from './run.ts';
import { SimAdmin } from './sim-admin.ts';

export interface Stack {
  sim: SpawnedSimulator;
  admin: SimAdmin;
  gateway: GatewayProcess;
  /** pid of the gateway's Node process. */
  gatewayPid: number;
  databaseUrl: string;
  /** Closes the gateway, the simulator and the database (also done at exit). */
  close(): Promise<void>;
}

/**
 * The simulator as a child process, the database (SQLite in the gateway's temp dir, or a fresh
 * embedded PostgreSQL cluster, or a database on TEST_DATABASE_URL), and the real gateway as a
 * child process with pacing off.
 */
export async function startStack(dialect: Dialect, env: Record<string, string> = {}): Promise<Stack> {
  const closers: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  };
  onCleanup(`the ${dialect} stack`, close);
  const sim = await spawnSimulator();
  closers.push(() => sim.stop());
  log(`simulator child pid ${sim.pid} at ${sim.info.wsUrl}`);
  let databaseUrl: string | undefined;
  if (dialect === 'postgres') {
    const started = Date.now();
    const pg = await startTestPostgres();
    closers.push(() => pg.stop());
    databaseUrl = pg.url;
    log(
      `PostgreSQL ready in ${Date.now() - started} ms (${process.env.TEST_DATABASE_URL ? 'TEST_DATABASE_URL' : 'embedded'})`,
    );
  }
  const gateway = new GatewayProcess({
    sim: sim.info,
    ...(databaseUrl ? { databaseUrl } : {}),
    env: { ...PACING_OFF, LOG_LEVEL: process.env.GATEWAY_LOG_LEVEL ?? 'warn', ...env },
  });
  closers.push(() => gateway.dispose());
  await gateway.start();
  const gatewayPid = gateway.child?.pid ?? 0;
  log(`gateway child pid ${gatewayPid} on port ${gateway.port} (${dialect})`);
  return {
    sim,
    admin: new SimAdmin(sim.adminUrl),
    gateway,
    gatewayPid,
    databaseUrl: databaseUrl ?? gateway.databaseUrl,
    close,
  };
}
