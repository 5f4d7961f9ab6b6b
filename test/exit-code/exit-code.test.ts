import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const VITEST = resolve(ROOT, 'node_modules/vitest/vitest.mjs');

/**
 * Runs the project's Vitest, with its own global setup, in a child process. TEST_DATABASE_URL is
 * removed so that the child starts embedded PostgreSQL itself, as a plain `npm test` does: the
 * path whose exit hook once turned every failure into exit code 0.
 */
function runVitest(filter: string): Promise<{ code: number | null; output: string }> {
  const env = { ...process.env };
  delete env.TEST_DATABASE_URL;
  delete env.VITEST;
  delete env.VITEST_POOL_ID;
  delete env.VITEST_WORKER_ID;
  const child = spawn(
    process.execPath,
    [VITEST, 'run', '--config', 'test/exit-code/vitest.config.ts', filter],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((done) => child.once('exit', (code) => done({ code, output })));
}

describe('the exit code of the test runner', () => {
  it('is non-zero when a test fails', async () => {
    const run = await runVitest('fails.check');
    expect(run.output).toMatch(/1 failed/);
    expect(run.code).not.toBe(0);
  });

  it('is zero when every test passes', async () => {
    const run = await runVitest('passes.check');
    expect(run.output).toMatch(/1 passed/);
    expect(run.code).toBe(0);
  });
});
