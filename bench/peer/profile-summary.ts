/**
 * Where a process spent its CPU: self time per file (a package of node_modules counts as one) and
 * per function, from a V8 `.cpuprofile` (`node --cpu-prof`), optionally only inside a window of
 * the monotonic clock (µs, as bench/peer-bullmq.ts records its windows: `monotonicUs`).
 *
 *   npx tsx bench/peer/profile-summary.ts <file.cpuprofile> [fromUs toUs] [--top 20] [--via kysely]
 *
 * `--via <text>`: the self time of frames whose file holds <text> (a library), per the nearest
 * caller in this repository's `src/` on the same stack (`(async)` when an await cut the stack).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ROOT } from '../support/child.ts';

interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** `src/outbox/sender.ts`, `baileys`, `node:internal`, or V8's own `(garbage collector)`. */
function fileOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const path = url.replace(/^file:\/\//, '').replace(`${ROOT}/`, '');
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (inModules) return `node_modules/${inModules[1]}`;
  // A profile taken in another checkout (a clean clone) still names files from the repository's root.
  return /\/((?:src|sim|bench|test)\/.+)$/.exec(path)?.[1] ?? path;
}

/** The nearest frame of `src/` above a node, named `function file`. */
function srcCallerOf(byId: Map<number, ProfileNode>, parents: Map<number, number>, id: number): string {
  for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
    const node = byId.get(at);
    const file = node ? fileOf(node) : '';
    if (node && file.startsWith('src/')) return `${node.callFrame.functionName || '(anonymous)'} ${file}`;
  }
  return '(async)';
}

function selfTimes(profile: CpuProfile, from: number, to: number, via?: string) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const files = new Map<string, number>();
  const functions = new Map<string, number>();
  let at = profile.startTime;
  let total = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    const node = byId.get(id);
    if (!node || at < from || at > to || node.callFrame.functionName === '(idle)') return;
    total += delta;
    const file = fileOf(node);
    if (via && !file.includes(via)) return;
    const fn = via
      ? srcCallerOf(byId, parents, id)
      : `${node.callFrame.functionName || '(anonymous)'} ${file}:${node.callFrame.lineNumber + 1}`;
    files.set(file, (files.get(file) ?? 0) + delta);
    functions.set(fn, (functions.get(fn) ?? 0) + delta);
  });
  return { files, functions, total };
}

function top(entries: Map<string, number>, total: number, count: number, title: string): string {
  const rows = [...entries].sort((a, b) => b[1] - a[1]).slice(0, count);
  const lines = [`| ${title} | self ms | share |`, '| --- | --- | --- |'];
  for (const [name, us] of rows)
    lines.push(`| \`${name}\` | ${(us / 1000).toFixed(0)} | ${((100 * us) / total).toFixed(1)} % |`);
  return lines.join('\n');
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '20' }, via: { type: 'string' } },
});
const [file, fromArg, toArg] = positionals;
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [fromUs toUs] [--top 20]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const from = fromArg ? Number(fromArg) : Number.NEGATIVE_INFINITY;
const to = toArg ? Number(toArg) : Number.POSITIVE_INFINITY;
const { files, functions, total } = selfTimes(profile, from, to, values.via);
const count = Number(values.top);
process.stdout.write(`busy (not idle) samples in the window: ${(total / 1000).toFixed(0)} ms\n\n`);
process.stdout.write(
  `${top(files, total, count, 'file')}\n\n${top(functions, total, count, values.via ? `caller in src/ of ${values.via}` : 'function')}\n`,
);
