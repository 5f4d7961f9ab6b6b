import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from './child.ts';
import { machineInfo } from './proc.ts';

/** What to close when the benchmark ends, fails or is interrupted: last opened, first closed. */
const closers: Array<{ what: string; close: () => Promise<unknown> }> = [];

export function onCleanup(what: string, close: () => Promise<unknown>): void {
  closers.unshift({ what, close });
}

export async function cleanup(): Promise<void> {
  for (const { what, close } of closers.splice(0)) {
    await close().catch((err: unknown) => log(`cleanup of ${what} failed: ${String(err)}`));
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

export const log = (message: string): void => {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
};

export type Dialect = 'sqlite' | 'postgres';

/**
 * `--db sqlite|postgres|both` (default both), the benchmark's numeric options (`--name 12`) and
 * list options (`--name 100,500`).
 */
export function benchArgs<K extends string, L extends string = never>(
  numeric: Record<K, number>,
  lists: Record<L, number[]> = {} as Record<L, number[]>,
): { dialects: Dialect[]; options: Record<K, number>; lists: Record<L, number[]>; argv: string[] } {
  const argv = process.argv.slice(2);
  const spec: Record<string, { type: 'string' }> = { db: { type: 'string' } };
  for (const key of [...Object.keys(numeric), ...Object.keys(lists)]) spec[key] = { type: 'string' };
  const { values } = parseArgs({ args: argv, options: spec, strict: true });
  const db = String(values.db ?? 'both');
  if (!['sqlite', 'postgres', 'both'].includes(db)) throw new Error('--db must be sqlite, postgres or both');
  const positive = (key: string, raw: string) => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${key} takes positive numbers, got ${raw}`);
    return n;
  };
  const options = { ...numeric };
  for (const key of Object.keys(numeric) as K[]) {
    const raw = values[key];
    if (raw !== undefined) options[key] = positive(key, String(raw));
  }
  const listOptions = { ...lists };
  for (const key of Object.keys(lists) as L[]) {
    const raw = values[key];
    if (raw !== undefined)
      listOptions[key] = String(raw)
        .split(',')
        .map((part) => positive(key, part));
  }
  const dialects: Dialect[] = db === 'both' ? ['sqlite', 'postgres'] : [db as Dialect];
  return { dialects, options, lists: listOptions, argv };
}

/** The commit measured, and whether the product's files differed from it. */
export function gitInfo(): { commit: string; dirty: string[] } {
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  const dirty = git('status', '--porcelain', '--', 'src', 'sim', 'test', 'package.json');
  const commit = process.env.BENCH_GIT_COMMIT || git('rev-parse', '--short', 'HEAD') || 'unknown';
  return { commit, dirty: dirty ? dirty.split('\n') : [] };
}

/** Writes the run's raw numbers to bench/results/<name>.json (the latest run of each benchmark). */
export function writeResult(name: string, script: string, argv: string[], data: unknown): string {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  const command = `npm run ${script}${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  writeFileSync(
    file,
    `${JSON.stringify({ command, machine: machineInfo(), git: gitInfo(), ...(data as object) }, null, 2)}\n`,
  );
  return file;
}

/** Runs the benchmark, always cleans up, and sets the exit code. */
export function main(run: () => Promise<void>): void {
  run()
    .catch((err: unknown) => {
      log(`benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exitCode = 1;
    })
    .finally(async () => {
      await cleanup();
      // Baileys sockets and keep-alive agents may hold the event loop: the run is over.
      setTimeout(() => process.exit(), 200).unref();
    });
}
