/**
 * What bench/peer-bullmq.ts measures on each side in the same way: the accept load (autocannon,
 * 50 connections round-robin over the instances), CPU over a window (with counters /proc/<pid>
 * alone does not give: Redis' reaped children, PostgreSQL's backends), and arrivals at the
 * simulator's contacts, read from their inboxes' decryption stamps.
 */
import { readdirSync, readFileSync } from 'node:fs';
import autocannon, { type Result } from 'autocannon';
import { ADMIN_KEY } from '../../test/support/gateway-harness.ts';
import { type LoadSummary, summariseLoad } from '../support/load-result.ts';
import {
  type CpuUse,
  cpuMsPer,
  cpuWindow,
  round,
  sleep,
  treeCpuSeconds,
  waitForQuiet,
} from '../support/proc.ts';
import type { SimAdmin } from '../support/sim-admin.ts';
import { reapedChildrenCpuSeconds } from './redis.ts';

/** The monotonic clock in µs: the one the timestamps of a `node --cpu-prof` profile use. */
export const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** CPU seconds used so far by something that is not one process (a tree, reaped children). */
export type CpuCounter = () => number;

/** cpuWindow, plus counters read at both ends of the window and added as processes of their own. */
export function wideCpuWindow(pids: Record<string, number>, counters: Record<string, CpuCounter>) {
  const start = Object.fromEntries(Object.entries(counters).map(([name, read]) => [name, read()]));
  const window = cpuWindow(pids);
  return {
    stop(): CpuUse {
      const use = window.stop();
      for (const [name, read] of Object.entries(counters)) {
        const cpuSeconds = read() - (start[name] ?? 0);
        use.processes[name] = {
          cpuSeconds: round(cpuSeconds, 2),
          cores: round(cpuSeconds / use.wallSeconds, 2),
        };
      }
      return use;
    },
  };
}

/** Name and parent of each live process, from /proc/<pid>/stat. */
function processTable(): Map<number, { name: string; parent: number }> {
  const table = new Map<number, { name: string; parent: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      table.set(Number(entry), { name, parent });
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

/**
 * The embedded PostgreSQL server this benchmark started (a `postgres` process below this one whose
 * parent is not `postgres`: the postmaster, under the embedded-postgres-server child): its live
 * backends and workers, and the children it has reaped.
 */
export function postgresCounter(): CpuCounter | undefined {
  const table = processTable();
  const below = (pid: number) => {
    for (let at = table.get(pid)?.parent; at !== undefined && at > 1; at = table.get(at)?.parent)
      if (at === process.pid) return true;
    return false;
  };
  for (const [pid, { name, parent }] of table) {
    if (name !== 'postgres' || table.get(parent)?.name === 'postgres' || !below(pid)) continue;
    return () => treeCpuSeconds(pid) + reapedChildrenCpuSeconds(pid);
  }
  return undefined;
}

/** Sums the named processes' CPU of a window, in ms per unit of work. */
export function sideCpuMs(use: CpuUse, names: readonly string[], units: number): number {
  const seconds = names.reduce((sum, name) => sum + (use.processes[name]?.cpuSeconds ?? 0), 0);
  return round((seconds * 1000) / Math.max(1, units), 2);
}

export interface SendTarget {
  port: number;
  /** One `[instance id, contact phone]` per instance: the load goes round-robin over them. */
  routes: Array<[string, string]>;
}

export interface AcceptLoad {
  connections: number;
  warmup: number;
  window: number;
}

export interface AcceptMeasured extends LoadSummary {
  cpu: CpuUse;
  cpuMsPerRequest: Record<string, number>;
  otherCoresBefore: number;
  /** Wall-clock bounds of the measured window (ms since the epoch). */
  windowStartedAt: number;
  windowEndedAt: number;
  /** The same window on the clock of V8's CPU profiles (bench/peer/profile-summary.ts). */
  monotonicUs: [number, number];
}

function fire(target: SendTarget, load: AcceptLoad, seconds: number): Promise<Result> {
  const headers = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
  return autocannon({
    url: `http://127.0.0.1:${target.port}`,
    connections: load.connections,
    duration: seconds,
    requests: target.routes.map(([instance, to]) => ({
      method: 'POST',
      path: `/api/v1/instances/${instance}/messages`,
      headers,
      body: JSON.stringify({ to, type: 'text', text: 'accept benchmark message' }),
    })),
  });
}

/** A short unrecorded warm-up, then the measured window (the senders, if on, keep sending). */
export async function measureAccept(
  target: SendTarget,
  load: AcceptLoad,
  pids: Record<string, number>,
  counters: Record<string, CpuCounter>,
): Promise<AcceptMeasured> {
  const otherCoresBefore = await waitForQuiet();
  await fire(target, load, load.warmup);
  const window = wideCpuWindow(pids, counters);
  const windowStartedAt = Date.now();
  const monotonicFrom = monotonicUs();
  const r = await fire(target, load, load.window);
  const windowEndedAt = Date.now();
  const monotonicTo = monotonicUs();
  const cpu = window.stop();
  return {
    ...summariseLoad(r),
    cpu,
    cpuMsPerRequest: cpuMsPer(cpu, r['2xx']),
    otherCoresBefore,
    windowStartedAt,
    windowEndedAt,
    monotonicUs: [monotonicFrom, monotonicTo],
  };
}

/** How many texts the contacts decrypted between `from` and `to` (their inboxes' stamps). */
export async function arrivalsBetween(
  sim: SimAdmin,
  contacts: readonly string[],
  from: number,
  to: number,
): Promise<number> {
  let count = 0;
  for (const contact of contacts) {
    for (const entry of await sim.inbox(contact)) if (entry.time >= from && entry.time <= to) count += 1;
  }
  return count;
}

export interface Arrivals {
  arrived: number;
  /** More than expected reached a contact: the same job sent twice. */
  extra: number;
  missing: number;
  lastArrivalAt: number;
}

/**
 * Polls the inboxes (every second, only those still short) until each contact has decrypted at
 * least its expected count of texts since `since`; the last arrival is the simulator's stamp.
 */
export async function waitForArrivals(
  sim: SimAdmin,
  expected: ReadonlyMap<string, number>,
  since: number,
  timeoutMs: number,
): Promise<Arrivals> {
  const pending = new Map(expected);
  const deadline = Date.now() + timeoutMs;
  const seen = new Map<string, { count: number; last: number }>();
  while (pending.size > 0 && Date.now() < deadline) {
    for (const [contact, wanted] of pending) {
      const times = (await sim.inbox(contact)).map((e) => e.time).filter((t) => t >= since);
      seen.set(contact, { count: times.length, last: Math.max(0, ...times) });
      if (times.length >= wanted) pending.delete(contact);
    }
    if (pending.size > 0) await sleep(1_000);
  }
  let arrived = 0;
  let extra = 0;
  let missing = 0;
  let lastArrivalAt = 0;
  for (const [contact, wanted] of expected) {
    const got = seen.get(contact) ?? { count: 0, last: 0 };
    arrived += Math.min(got.count, wanted);
    extra += Math.max(0, got.count - wanted);
    missing += Math.max(0, wanted - got.count);
    lastArrivalAt = Math.max(lastArrivalAt, got.last);
  }
  return { arrived, extra, missing, lastArrivalAt };
}
