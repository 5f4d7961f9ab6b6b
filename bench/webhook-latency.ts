/**
 * Receiving benchmark: the simulator's contacts send texts at a fixed rate to linked instances; a
 * webhook receiver on loopback records when each arrives. Reports delivered count, duplicates and
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
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawnSimulator } from '../sim/child-process.ts';
import { GatewayProcess, linkByQr, PACING_OFF } from '../test/support/gateway-harness.ts';
import { eventually } from '../test/support/http-client.ts';
import { startTestPostgres } from '../test/support/postgres.ts';
import { collectProfile, PROFILE_HOOK } from './peer/profile-hook.ts';
import { cpuMsPer, cpuWindow } from './support/proc.ts';
import { main, onCleanup } from './support/run.ts';

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
  const arrivals = new Map<string, number[]>();
  const receiver = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => {
      const at = Date.now();
      const body = JSON.parse(raw) as { event: string; data: { waMessageId?: string } };
      const id = body.data.waMessageId;
      if (body.event === 'message.received' && id) arrivals.set(id, [...(arrivals.get(id) ?? []), at]);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  onCleanup('the webhook receiver', async () => receiver.close());
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
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
      () => [...warm.keys()].every((id) => arrivals.has(id)),
      DEADLINE_MS,
      100,
    );
    arrivals.clear();
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
  while (arrivals.size < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const cpuUse = cpu.stop();
  if (PROFILE_FILE && gw.child?.pid) await collectProfile(gw.child.pid, PROFILE_FILE);
  const latencies = [...sentAt]
    .flatMap(([id, t]) => (arrivals.get(id)?.[0] ? [(arrivals.get(id)?.[0] ?? 0) - t] : []))
    .sort((a, b) => a - b);
  const duplicates = [...arrivals.values()].reduce((n, a) => n + a.length - 1, 0);
  const result = {
    dialect,
    messages: total,
    rate,
    instances: instanceCount,
    warmUp: WARMUP,
    sendSeconds: Number(sendSeconds.toFixed(1)),
    delivered: arrivals.size,
    duplicates,
    latencyMs: {
      p50: pct(latencies, 50),
      p90: pct(latencies, 90),
      p99: pct(latencies, 99),
      max: latencies.at(-1) ?? 0,
    },
    cpuMsPerMessage: cpuMsPer(cpuUse, total),
    machineBusyCores: cpuUse.machineBusyCores,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

main(measure);
