/**
 * Receiving benchmark: the simulator's contacts send texts at a fixed rate to linked instances; a
 * webhook receiver on loopback, in a process of its own (bench/support/webhook-receiver.ts), records
 * when each arrives. Reports delivered count, duplicates (and whether they were retries) and
 * latency from the contact's send to the webhook's arrival, and the CPU the gateway and the
 * simulator used from the first send to the last arrival, in ms per message.
 *
 *   npx tsx bench/webhook-latency.ts [messages=10000] [rate=500] [instances=20] [sqlite|postgres]
 *
 * BENCH_WARMUP=<messages>: first that many texts at half the rate, left out of every number, once
 * they have all arrived: the gateway and the simulator meet the load with their code warm.
 *
 * BENCH_GATEWAY_CPU_PROF=<file.cpuprofile>: the gateway runs under V8's CPU profiler (the hook of
 * bench/peer/profile-hook.ts). What linking (and the warm-up) cost goes to
 * `<file>.linking.cpuprofile` when the measured sending starts; the profile of receiving alone
 * goes to `<file>` once every message has arrived or the deadline passed. Read them with
 * bench/peer/profile-summary.ts. Profiling slows the gateway.
 */
import { renameSync } from 'node:fs';
import { spawnSimulator } from '../sim/child-process.ts';
import { GatewayProcess, linkByQr, PACING_OFF } from '../test/support/gateway-harness.ts';
import { eventually } from '../test/support/http-client.ts';
import { startTestPostgres } from '../test/support/postgres.ts';
import { collectProfile, PROFILE_HOOK } from './peer/profile-hook.ts';
import { ask, spawnTs } from './support/child.ts';
import { cpuMsPer, cpuWindow } from './support/proc.ts';
import { main, onCleanup } from './support/run.ts';
import type { Arrival } from './support/webhook-receiver.ts';

const [total = 10_000, rate = 500, instanceCount = 20] = process.argv.slice(2, 5).map(Number);
const dialect = process.argv[5] === 'postgres' ? 'postgres' : 'sqlite';
const DEADLINE_MS = 10 * 60_000;
const PROFILE_FILE = process.env.BENCH_GATEWAY_CPU_PROF;
const WARMUP = Number(process.env.BENCH_WARMUP ?? 0);

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', body: JSON.stringify(body) }).then(
    (r) => r.json() as Promise<Record<string, string>>,
  );

async function measure(): Promise<void> {
  const receiver = await spawnTs('bench/support/webhook-receiver.ts');
  onCleanup('the webhook receiver', () => receiver.stop());
  const hookUrl = String(receiver.hello.url);
  const received = () => ask<number>(receiver.child, { op: 'count' });
  const sim = await spawnSimulator();
  onCleanup('the simulator', () => sim.stop());
  const pg = dialect === 'postgres' ? await startTestPostgres() : undefined;
  if (pg) onCleanup('PostgreSQL', () => pg.stop());
  const gw = new GatewayProcess({
    sim: sim.info,
    ...(pg ? { databaseUrl: pg.url } : {}),
    env: {
      ...PACING_OFF,
      WEBHOOK_ALLOW_PRIVATE: '1',
      LOG_LEVEL: 'error',
      ...(PROFILE_FILE ? { NODE_OPTIONS: PROFILE_HOOK, BENCH_CPU_PROFILE: PROFILE_FILE } : {}),
    },
  });
  onCleanup('the gateway', () => gw.dispose());
  await gw.start();
  await gw.api.post('/api/v1/webhooks', { url: hookUrl, events: ['message.received'] });
  const phones: string[] = [];
  for (let i = 0; i < instanceCount; i++) {
    const { phone } = await post(`${sim.adminUrl}/accounts`, { name: `Bench ${i}` });
    const created = await gw.api.post<{ id: string }>('/api/v1/instances', { name: `bench-${i}` });
    await linkByQr(gw.api, sim.adminUrl, created.body.id, phone ?? '');
    phones.push(phone ?? '');
  }
  const contacts = await Promise.all(phones.map(() => post(`${sim.adminUrl}/contacts`, {})));
  /** `count` texts at `perSecond`, round-robin; resolves with each WhatsApp id and when it was asked. */
  const sendAtRate = async (count: number, perSecond: number, label: string) => {
    const asked = new Map<string, number>();
    const from = Date.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const wait = from + (i * 1000) / perSecond - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const to = phones[i % phones.length] ?? '';
      const contact = contacts[i % contacts.length]?.phone ?? '';
      const t = Date.now();
      inFlight.push(
        post(`${sim.adminUrl}/contacts/${contact}/messages`, {
          to,
          type: 'text',
          text: `${label} ${i}`,
        }).then((r) => void asked.set(r.id ?? '', t)),
      );
    }
    await Promise.all(inFlight);
    return asked;
  };
  if (WARMUP > 0) {
    const warm = await sendAtRate(WARMUP, rate / 2, 'warm-up');
    await eventually(
      'the warm-up messages to arrive',
      async () => (await received()) >= warm.size,
      DEADLINE_MS,
      100,
    );
    await ask(receiver.child, { op: 'clear' });
  }
  if (PROFILE_FILE && gw.child?.pid) {
    const before = await collectProfile(gw.child.pid, PROFILE_FILE);
    renameSync(before, `${before}.linking.cpuprofile`);
  }
  const cpu = cpuWindow({ gateway: gw.child?.pid ?? 0, simulator: sim.pid });
  const started = Date.now();
  const sentAt = await sendAtRate(total, rate, 'bench');
  const sendSeconds = (Date.now() - started) / 1000;
  const deadline = Date.now() + DEADLINE_MS;
  while ((await received()) < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const cpuUse = cpu.stop();
  const arrivals = new Map(await ask<Array<[string, Arrival[]]>>(receiver.child, { op: 'arrivals' }));
  if (PROFILE_FILE && gw.child?.pid) await collectProfile(gw.child.pid, PROFILE_FILE);
  const latencies = [...sentAt]
    .flatMap(([id, t]) => {
      const first = arrivals.get(id)?.[0];
      return first ? [first.at - t] : [];
    })
    .sort((a, b) => a - b);
  // p50 and max of the texts sent in each second: a backlog at the start, or one that grows
  const bySecond = new Map<number, number[]>();
  for (const [id, t] of sentAt) {
    const first = arrivals.get(id)?.[0];
    const second = Math.floor((t - started) / 1000);
    if (first) bySecond.set(second, [...(bySecond.get(second) ?? []), first.at - t]);
  }
  const latencyBySecond = [...bySecond].map(([second, all]) => {
    all.sort((x, y) => x - y);
    return { second, p50: pct(all, 50), max: all.at(-1) ?? 0 };
  });
  const twice = [...arrivals.values()].filter((a) => a.length > 1);
  const duplicates = twice.reduce((n, a) => n + a.length - 1, 0);
  // the same delivery row again is a retry (its first answer came too late); another row is a
  // second event for one message
  const retried = twice.filter((a) => new Set(a.map((x) => x.delivery)).size < a.length);
  const result = {
    dialect,
    messages: total,
    rate,
    instances: instanceCount,
    warmUp: WARMUP,
    sendSeconds: Number(sendSeconds.toFixed(1)),
    delivered: arrivals.size,
    duplicates,
    ...(duplicates
      ? {
          duplicatesRetried: retried.length,
          duplicateGapsMs: twice.map((a) => (a[1]?.at ?? 0) - (a[0]?.at ?? 0)).slice(0, 20),
        }
      : {}),
    latencyMs: {
      p50: pct(latencies, 50),
      p90: pct(latencies, 90),
      p99: pct(latencies, 99),
      max: latencies.at(-1) ?? 0,
    },
    latencyBySecond,
    cpuMsPerMessage: cpuMsPer(cpuUse, total),
    machineBusyCores: cpuUse.machineBusyCores,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

main(measure);
