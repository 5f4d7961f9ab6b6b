import { defineConfig } from 'vitest/config';

// libsignal reports session housekeeping on the console; it is not a test outcome.
const LIBSIGNAL_CHATTER =
  /^(Closing (open )?session|Removing old closed session|Decrypted message with closed session|Session already)/;

/**
 * The gateway suites: their files share their worker's modules (`isolate: false`), so the harness,
 * the simulator and Baileys load once per worker rather than once per file (a run's import time
 * went 135 -> 63 s, the isolated files included). A file must then leave no state behind in a
 * module (none does; testStore() reads the project's environment at each call).
 */
const GATEWAY_SUITES = [
  'test/gateway/**/*.test.ts',
  'test/fleet/**/*.test.ts',
  'test/dashboard/**/*.test.ts',
];

/**
 * Unit tests, the store and the simulator's own suites: each file in a fresh module graph. The
 * simulator's tests must see Baileys as shipped, and a gateway built in-process replaces Baileys'
 * `Curve.verify` for the whole process (strict-signatures.ts).
 */
const ISOLATED = [
  'sim/**/*.test.ts',
  'src/**/*.test.ts',
  'test/sim/**/*.test.ts',
  'test/store/**/*.test.ts',
  'test/exit-code/**/*.test.ts',
];

/** The end-to-end suites that run a second time with every gateway on PostgreSQL. */
const ON_BOTH_DATABASES = [
  'test/gateway/sending.test.ts',
  'test/gateway/webhooks.test.ts',
  'test/gateway/campaigns.test.ts',
  'test/gateway/receiving.test.ts',
  'test/gateway/metrics.test.ts',
  'test/gateway/tenancy-and-validation.test.ts',
];

/**
 * The fleet suite's subject is timing under failure (3 s leases, SIGKILL takeovers): it runs alone,
 * after the rest, so other files' CPU never decides its outcome.
 */
const ONE_AT_A_TIME = ['test/fleet/fleet.test.ts'];

/**
 * Most files wait on sockets and timers far more than they compute, so three run at once even on
 * two cores; a project's files share its group's worker count.
 */
const PARALLEL = { maxWorkers: 3, sequence: { groupOrder: 0 } };

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    // generous: a test that restarts a gateway waits for two starts on a machine that may be loaded
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    onConsoleLog: (log) => !LIBSIGNAL_CHATTER.test(log.trim()),
    projects: [
      { extends: true, test: { name: 'isolated', include: ISOLATED, ...PARALLEL } },
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: GATEWAY_SUITES,
          exclude: ONE_AT_A_TIME,
          isolate: false,
          ...PARALLEL,
        },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: ON_BOTH_DATABASES,
          env: { ZG_TEST_STORE: 'postgres' },
          isolate: false,
          ...PARALLEL,
        },
      },
      {
        extends: true,
        test: { name: 'one-at-a-time', include: ONE_AT_A_TIME, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
