import { defineConfig } from 'vitest/config';

// libsignal reports session housekeeping on the console; it is not a test outcome.
const LIBSIGNAL_CHATTER =
  /^(Closing (open )?session|Removing old closed session|Decrypted message with closed session|Session already)/;

const ALL = ['sim/**/*.test.ts', 'src/**/*.test.ts', 'test/**/*.test.ts'];

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
      { extends: true, test: { name: 'sqlite', include: ALL, exclude: ONE_AT_A_TIME, ...PARALLEL } },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: ON_BOTH_DATABASES,
          env: { ZG_TEST_STORE: 'postgres' },
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
