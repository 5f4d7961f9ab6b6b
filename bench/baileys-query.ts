/**
 * What Baileys' per-query timeout wrapper (`promiseTimeout`, around every query and send) costs,
 * as installed (with the patches in `patches/`), and optionally as published: `--pristine <dir>`
 * names an unpacked copy of the package (`npm pack baileys@7.0.0-rc14`, extracted somewhere under
 * this repository's node_modules so its own imports resolve). Run it with source maps on, as the
 * gateway runs under tsx: `node --enable-source-maps --import tsx bench/baileys-query.ts`.
 *
 *   npm run bench:baileys-query -- [--calls 100000] [--pristine node_modules/.pristine/package]
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from './support/child.ts';
import { round } from './support/proc.ts';
import { log, main, writeResult } from './support/run.ts';

const argv = process.argv.slice(2);
const { values } = parseArgs({
  args: argv,
  options: { calls: { type: 'string' }, pristine: { type: 'string' } },
  strict: true,
});
const calls = Number(values.calls ?? 100_000);

type PromiseTimeout = <T>(ms: number, executor: (resolve: (v: T) => void) => void) => Promise<T>;

/** CPU µs per call of a promiseTimeout that settles at once, best of three rounds. */
async function measure(packageDir: string): Promise<number> {
  const { promiseTimeout } = (await import(join(packageDir, 'lib/Utils/generics.js'))) as {
    promiseTimeout: PromiseTimeout;
  };
  const rounds: number[] = [];
  for (let r = 0; r < 3; r++) {
    const before = process.cpuUsage();
    for (let i = 0; i < calls; i++) await promiseTimeout(60_000, (done) => done(i));
    const used = process.cpuUsage(before);
    rounds.push((used.user + used.system) / calls);
  }
  return round(Math.min(...rounds), 2);
}

main(async () => {
  const installed = await measure(resolve(ROOT, 'node_modules/baileys'));
  log(`installed: ${installed} µs per query`);
  const pristine = values.pristine ? await measure(resolve(ROOT, values.pristine)) : undefined;
  if (pristine !== undefined) log(`as published: ${pristine} µs per query`);
  const file = writeResult('baileys-query', 'bench:baileys-query', argv, {
    calls,
    sourceMaps: process.sourceMapsEnabled,
    microsecondsPerQuery: { installed, ...(pristine === undefined ? {} : { published: pristine }) },
  });
  log(`results written to ${file}`);
});
