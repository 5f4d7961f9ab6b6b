import { readdirSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

/** Clock ticks per second of /proc/<pid>/stat (`getconf CLK_TCK`, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** Resident set size of a process in bytes, from /proc/<pid>/status (VmRSS). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (!kb) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) * 1024;
}

/** CPU time (user + system) a process has used so far, in seconds, from /proc/<pid>/stat. */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces: fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / TICKS_PER_SECOND;
}

/** CPU seconds of `root` and of every live process below it (children, grandchildren…). */
export function treeCpuSeconds(root: number): number {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  for (const pid of parents.keys()) {
    let cur: number | undefined = pid;
    while (cur !== undefined && cur > 1 && cur !== root) cur = parents.get(cur);
    if (cur !== root) continue;
    try {
      total += cpuSecondsOf(pid);
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** Busy and total CPU seconds of the whole machine so far (all cores), from /proc/stat. */
export function machineCpuSeconds(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busy: (total - idle) / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND };
}

export interface CpuUse {
  wallSeconds: number;
  /** Cores' worth of CPU the whole machine used (2 = both cores busy all along). */
  machineBusyCores: number;
  /** Cores' worth used by this benchmark's own process tree (bench, children such as PostgreSQL). */
  benchTreeCores: number;
  /** Cores' worth used by anything else on the machine (other users' work: noise). */
  otherCores: number;
  processes: Record<string, CpuShare>;
}

export interface CpuWindow {
  /** CPU seconds each named process used inside the window, and cores' worth of it (cpu s / wall s). */
  stop(): CpuUse;
}

export interface CpuShare {
  cpuSeconds: number;
  cores: number;
}

/** Starts measuring CPU use of `pids` (and of the whole machine) over a window of wall time. */
export function cpuWindow(pids: Record<string, number>): CpuWindow {
  const startedAt = performance.now();
  const machineStart = machineCpuSeconds();
  const treeStart = treeCpuSeconds(process.pid);
  const start = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSecondsOf(pid)]));
  return {
    stop() {
      const wallSeconds = (performance.now() - startedAt) / 1000;
      const machine = machineCpuSeconds();
      const tree = treeCpuSeconds(process.pid) - treeStart;
      const busy = (machine.busy - machineStart.busy) / wallSeconds;
      const processes: Record<string, CpuShare> = {};
      for (const [name, pid] of Object.entries(pids)) {
        const cpuSeconds = cpuSecondsOf(pid) - (start[name] ?? 0);
        processes[name] = { cpuSeconds: round(cpuSeconds, 2), cores: round(cpuSeconds / wallSeconds, 2) };
      }
      return {
        wallSeconds: round(wallSeconds, 2),
        machineBusyCores: round(busy, 2),
        benchTreeCores: round(tree / wallSeconds, 2),
        otherCores: round(Math.max(0, busy - tree / wallSeconds), 2),
        processes,
      };
    },
  };
}

/** CPU milliseconds each process spent per unit of work (a message, a request) in a window. */
export function cpuMsPer(use: CpuUse, units: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, share] of Object.entries(use.processes)) {
    if (share.cpuSeconds > 0) out[name] = round((share.cpuSeconds * 1000) / Math.max(1, units), 2);
  }
  return out;
}

export const round = (n: number, digits = 1): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

export const mib = (bytes: number): number => round(bytes / 1024 / 1024, 1);

/** What the results were measured on, for RESULTS.md. */
export function machineInfo(): Record<string, string | number> {
  const cpu = cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? 'unknown',
    memoryGiB: round(totalmem() / 1024 ** 3, 1),
    platform: `${process.platform} ${process.arch}`,
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Other people's work on this machine skews every number here. Waits, at most `maxMs`, for a 2 s
 * window in which everything outside this benchmark's process tree uses under `threshold` cores;
 * returns what that window (or the last one) measured.
 */
export async function waitForQuiet(maxMs = 30_000, threshold = 0.25): Promise<number> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const window = cpuWindow({});
    await sleep(2_000);
    const other = window.stop().otherCores;
    if (other < threshold || Date.now() > deadline) return other;
  }
}
