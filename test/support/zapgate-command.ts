import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

/** Where the test run's global setup writes `src/main.ts` bundled (test/support/gateway-bundle.ts). */
export const BUNDLE_ENV = 'ZG_TEST_GATEWAY_BUNDLE';

/**
 * The arguments for `node` that run `zapgate <args>`: the bundle the test run built from
 * `src/main.ts` when there is one (half the CPU of a start under tsx, which resolves and
 * transforms each of the ~260 source files again in every process), else `src/main.ts` through tsx
 * (benchmarks, and tests run outside vitest).
 */
export function zapgateArgs(...args: string[]): string[] {
  const bundle = process.env[BUNDLE_ENV];
  return bundle ? [bundle, ...args] : ['--import', TSX, join(ROOT, 'src/main.ts'), ...args];
}
