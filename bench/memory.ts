/**
 * Memory per linked, idle instance: the RSS of the gateway (child process) with N instances
 * linked to the simulator, minus its RSS with none, divided by N; against a child process that
 * holds N raw Baileys sockets (in-memory auth), weighed the same way, in the same run.
 *
 * Both grow in the same processes: 0, then the first count, then the next. After each step
 * everything idles (`--idle` s), the RSS is read from /proc/<pid>/status ("as is"), then both
 * run a full GC (the raw holder on request, the gateway on SIGUSR2 through a `--expose-gc` hook
 * that this benchmark adds with NODE_OPTIONS; the product is unchanged) and are read again.
 *
 *   npm run bench:memory -- [--counts 100,500] [--wave 16] [--idle 10] [--db sqlite|postgres]
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InstanceJson } from '../test/support/gateway-harness.ts';
import { eventually } from '../test/support/http-client.ts';
import { ask, spawnTs } from './support/child.ts';
import { linkGatewayInstances } from './support/gateway-link.ts';
import { cpuMsPer, cpuWindow, mib, round, rssOf, sleep } from './support/proc.ts';
import { benchArgs, type Dialect, log, main, onCleanup, writeResult } from './support/run.ts';
import { type Stack, startStack } from './support/stack.ts';

const { dialects, options, lists, argv } = benchArgs({ wave: 16, idle: 10 }, { counts: [100, 500] });
const dialect: Dialect = dialects.length === 1 && dialects[0] ? dialects[0] : 'sqlite';
const counts = [...lists.counts].sort((a, b) => a - b);
/** Linking slows down as sockets pile up in one process (see RESULTS.md): each step is bounded. */
const LINK_STEP_TIMEOUT_MS = 600_000;
const MEM_FILE = join(tmpdir(), `zg-bench-memory-${process.pid}.json`);
/**
 * Lets this benchmark ask the gateway for a full GC (SIGUSR2), after which the gateway writes its
 * `process.memoryUsage()` to BENCH_MEM_FILE. No spaces: NODE_OPTIONS splits on them.
 */
const GC_HOOK =
  "--expose-gc --import=data:text/javascript,process.on('SIGUSR2',()=>{globalThis.gc();" +
  "process.getBuiltinModule('fs').writeFileSync(process.env.BENCH_MEM_FILE,JSON.stringify(process.memoryUsage()))})";

type Usage = NodeJS.MemoryUsage;

/** Full GC in the gateway, then its own account of its memory. */
async function gatewayGc(pid: number): Promise<Usage> {
  rmSync(MEM_FILE, { force: true });
  process.kill(pid, 'SIGUSR2');
  return eventually(
    'the gateway to report its memory',
    () => {
      if (!existsSync(MEM_FILE)) return undefined;
      try {
        return JSON.parse(readFileSync(MEM_FILE, 'utf8')) as Usage;
      } catch {
        return undefined; // still being written
      }
    },
    10_000,
    100,
  );
}

/**
 * RSS as is and after a full GC; `live`: V8 heap used + external memory after that GC; `v8Heap`:
 * the heap V8 holds after it (used or not), so RSS − v8Heap − external is native memory.
 */
interface Weights {
  asIs: number;
  afterGc: number;
  live: number;
  v8Heap: number;
}

const live = (u: Usage) => u.heapUsed + u.external;

interface Sample {
  instances: number;
  gatewayConnected: number;
  rawOpen: number;
  gateway: Weights;
  raw: Weights;
  simulatorRss: number;
}

async function sample(stack: Stack, holder: { pid: number; child: Parameters<typeof ask>[0] }, n: number) {
  log(`idling ${options.idle} s with ${n} of each`);
  await sleep(options.idle * 1000);
  const list = await stack.gateway.api.get<{ items: InstanceJson[] }>('/api/v1/instances?limit=500');
  const gatewayConnected = list.body.items.filter((i) => i.status === 'connected').length;
  const rawCount = await ask<{ open: number }>(holder.child, { cmd: 'count' });
  const asIs = { gateway: rssOf(stack.gatewayPid), raw: rssOf(holder.pid) };
  const gatewayUsage = await gatewayGc(stack.gatewayPid);
  const rawUsage = await ask<Usage>(holder.child, { cmd: 'gc' });
  await sleep(2_000);
  const s: Sample = {
    instances: n,
    gatewayConnected,
    rawOpen: rawCount.open,
    gateway: {
      asIs: asIs.gateway,
      afterGc: rssOf(stack.gatewayPid),
      live: live(gatewayUsage),
      v8Heap: gatewayUsage.heapTotal,
    },
    raw: { asIs: asIs.raw, afterGc: rssOf(holder.pid), live: live(rawUsage), v8Heap: rawUsage.heapTotal },
    simulatorRss: rssOf(stack.sim.pid),
  };
  log(
    `${n}: gateway ${mib(s.gateway.asIs)} MiB (${mib(s.gateway.afterGc)} after GC, ${gatewayConnected} connected), ` +
      `raw ${mib(s.raw.asIs)} MiB (${mib(s.raw.afterGc)} after GC, ${s.rawOpen} open)`,
  );
  return s;
}

/** Per instance, against the sample with none, and between two counts (the marginal cost). */
function perInstance(base: Sample, s: Sample, kind: keyof Weights) {
  const n = s.instances - base.instances;
  const gateway = (s.gateway[kind] - base.gateway[kind]) / n;
  const raw = (s.raw[kind] - base.raw[kind]) / n;
  return {
    from: base.instances,
    to: s.instances,
    gatewayKiB: round(gateway / 1024, 0),
    rawKiB: round(raw / 1024, 0),
    ratio: round(gateway / raw, 2),
  };
}

main(async () => {
  const last = counts.at(-1) ?? 0;
  const stack = await startStack(dialect, {
    MAX_INSTANCES: String(last + 10),
    NODE_OPTIONS: GC_HOOK,
    BENCH_MEM_FILE: MEM_FILE,
  });
  const holder = await spawnTs('bench/support/raw-holder.ts', { nodeArgs: ['--expose-gc'] });
  onCleanup('the raw socket holder', () => holder.stop());
  onCleanup('the memory report file', async () => rmSync(MEM_FILE, { force: true }));
  log(`raw socket holder child pid ${holder.pid}`);
  await ask(holder.child, { cmd: 'init', info: stack.sim.info, adminUrl: stack.sim.adminUrl });
  const samples: Sample[] = [await sample(stack, holder, 0)];
  let linked = 0;
  const linking: Array<{
    to: number;
    seconds: number;
    otherCores: number;
    cpuMsPerLink: Record<string, number>;
  }> = [];
  const startedAt = Date.now();
  for (const n of counts) {
    const more = n - linked;
    log(`linking ${more} gateway instances and ${more} raw sockets, ${options.wave} at a time`);
    const cpu = cpuWindow({ gateway: stack.gatewayPid, raw: holder.pid, simulator: stack.sim.pid });
    const gatewayPrefix = `mem${linked}`;
    await Promise.all([
      linkGatewayInstances(stack.gateway.api, stack.admin, gatewayPrefix, more, options.wave, (done) => {
        if (done % 100 === 0 || done === more) log(`  gateway: ${linked + done}/${n}`);
      }),
      ask(holder.child, { cmd: 'link', count: more, wave: options.wave }, LINK_STEP_TIMEOUT_MS),
    ]);
    linked = n;
    const used = cpu.stop();
    linking.push({
      to: n,
      seconds: used.wallSeconds,
      otherCores: used.otherCores,
      cpuMsPerLink: cpuMsPer(used, more),
    });
    log(
      `linked to ${n} in ${used.wallSeconds} s; CPU ms per link ${JSON.stringify(linking.at(-1)?.cpuMsPerLink)}`,
    );
    samples.push(await sample(stack, holder, n));
  }
  const base = samples[0] as Sample;
  const rows = samples.slice(1).flatMap((s, i) => {
    const previous = samples[i] as Sample;
    const weigh = (from: Sample) => ({
      // The brief's comparison: the gateway as it runs, the raw holder after a full GC.
      asBriefed: {
        ...perInstance(from, s, 'asIs'),
        rawKiB: perInstance(from, s, 'afterGc').rawKiB,
        ratio: round((s.gateway.asIs - from.gateway.asIs) / (s.raw.afterGc - from.raw.afterGc), 2),
      },
      asIs: perInstance(from, s, 'asIs'),
      afterGc: perInstance(from, s, 'afterGc'),
      live: perInstance(from, s, 'live'),
      v8Heap: perInstance(from, s, 'v8Heap'),
    });
    return previous === base ? [weigh(base)] : [weigh(base), weigh(previous)];
  });
  const file = writeResult(`memory-${dialect}`, 'bench:memory', argv, {
    options: { ...options, counts, dialect },
    placement: {
      bench: 'drives both over HTTP / IPC; samples /proc/<pid>/status',
      gateway:
        'child process (src/main.ts serve via GatewayProcess) with NODE_OPTIONS=--expose-gc + SIGUSR2 hook',
      raw: 'child process (bench/support/raw-holder.ts, --expose-gc) holding the raw sockets',
      simulator: 'child process (spawnSimulator); its RSS is listed, not compared',
    },
    linkingSeconds: round((Date.now() - startedAt) / 1000, 1),
    linking,
    samplesMiB: samples.map((s) => ({
      ...s,
      gateway: Object.fromEntries(Object.entries(s.gateway).map(([k, v]) => [k, mib(v)])),
      raw: Object.fromEntries(Object.entries(s.raw).map(([k, v]) => [k, mib(v)])),
      simulatorRss: mib(s.simulatorRss),
    })),
    perInstance: rows,
  });
  for (const r of rows) {
    const line = (what: string, w: ReturnType<typeof perInstance>) =>
      `  ${what}: gateway ${w.gatewayKiB} KiB vs raw ${w.rawKiB} KiB per instance, ratio ${w.ratio}\n`;
    process.stdout.write(`${r.asIs.from} → ${r.asIs.to} instances\n`);
    process.stdout.write(line('RSS, gateway as is / raw after GC', r.asBriefed));
    process.stdout.write(line('RSS, both as is', r.asIs));
    process.stdout.write(line('RSS, both after GC', r.afterGc));
    process.stdout.write(line('heap used + external after GC', r.live));
    process.stdout.write(line('V8 heap held after GC (used or not)', r.v8Heap));
  }
  log(`results written to ${file}`);
});
