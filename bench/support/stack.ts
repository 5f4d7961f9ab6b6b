import { type SpawnedSimulator, spawnSimulator } from '../../sim/child-process.ts';
import { GatewayProcess, PACING_OFF } from '../../test/support/gateway-harness.ts';
import { startTestPostgres } from '../../test/support/postgres.ts';
import { type Dialect, log, onCleanup } from './run.ts';
import { SimAdmin } from './sim-admin.ts';

export interface Stack {
  sim: SpawnedSimulator;
  admin: SimAdmin;
  gateway: GatewayProcess;
  /** pid of the gateway's Node process (the API process when split). */
  gatewayPid: number;
  /** With `split`: the worker process that owns the instances (`zapgate worker`). */
  worker?: GatewayProcess;
  databaseUrl: string;
  /** Closes the gateway, the simulator and the database (also done at exit). */
  close(): Promise<void>;
}

/**
 * The simulator as a child process, the database (SQLite in the gateway's temp dir, or a fresh
 * embedded PostgreSQL cluster, or a database on TEST_DATABASE_URL), and the real gateway as a
 * child process with pacing off.
 */
export async function startStack(
  dialect: Dialect,
  env: Record<string, string> = {},
  options: { split?: boolean } = {},
): Promise<Stack> {
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
  const gatewayEnv = { ...PACING_OFF, LOG_LEVEL: process.env.GATEWAY_LOG_LEVEL ?? 'warn', ...env };
  const gateway = new GatewayProcess({
    sim: sim.info,
    ...(databaseUrl ? { databaseUrl } : {}),
    env: gatewayEnv,
    ...(options.split ? { role: 'api' as const } : {}),
  });
  closers.push(() => gateway.dispose());
  await gateway.start();
  const gatewayPid = gateway.child?.pid ?? 0;
  log(`gateway child pid ${gatewayPid} on port ${gateway.port} (${dialect}${options.split ? ', api' : ''})`);
  let worker: GatewayProcess | undefined;
  if (options.split) {
    // the same database: on SQLite the API process's file, opened by both (WAL)
    worker = new GatewayProcess({
      sim: sim.info,
      databaseUrl: gateway.databaseUrl,
      role: 'worker',
      env: gatewayEnv,
    });
    const started = worker;
    closers.push(() => started.dispose());
    await worker.start();
    log(`worker child pid ${worker.child?.pid ?? 0}`);
  }
  return {
    sim,
    admin: new SimAdmin(sim.adminUrl),
    gateway,
    gatewayPid,
    ...(worker ? { worker } : {}),
    databaseUrl: databaseUrl ?? gateway.databaseUrl,
    close,
  };
}
