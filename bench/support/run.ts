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

/** `--db sqlite|postgres|both` (default both), plus the benchmark's own numeric options. */
export function benchArgs<K extends string>(
  numeric: Record<K, number>,
): { dialects: Dialect[]; options: Record<K, number>; argv: string[] } {
  const argv = process.argv.slice(2);
  const spec: Record<string, { type: 'string' }> = { db: { type: 'string' } };
  for (const key of Object.keys(numeric)) spec[key] = { type: 'string' };
  const { values } = parseArgs({ args: argv, options: spec, strict: true });
  const db = String(values.db ?? 'both');
  if (!['sqlite', 'postgres', 'both'].includes(db)) throw new Error('--db must be sqlite, postgres or both');
  const options = { ...numeric };
  for (const key of Object.keys(numeric) as K[]) {
    const raw = values[key];
    if (raw === undefined) continue;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${key} must be a positive number`);
    options[key] = n;
  }
  const dialects: Dialect[] = db === 'both' ? ['sqlite', 'postgres'] : [db as Dialect];
  return { dialects, options, argv };
}

/** Writes the run's raw numbers to bench/results/<name>.json (the latest run of each benchmark). */
export function writeResult(name: string, script: string, argv: string[], data: unknown): string {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  const command = `npm run ${script}${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  writeFileSync(file, `${JSON.stringify({ command, machine: machineInfo(), ...(data as object) }, null, 2)}\n`);
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
