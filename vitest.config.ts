import { defineConfig } from 'vitest/config';

// libsignal reports session housekeeping on the console; it is not a test outcome.
const LIBSIGNAL_CHATTER =
  /^(Closing (open )?session|Removing old closed session|Decrypted message with closed session|Session already)/;

export default defineConfig({
  test: {
    include: ['sim/**/*.test.ts', 'src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    onConsoleLog: (log) => !LIBSIGNAL_CHATTER.test(log.trim()),
  },
});
