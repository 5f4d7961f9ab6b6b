import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CliProcess } from '../support/cli-process.ts';
import { ADMIN_KEY, freePort } from '../support/gateway-harness.ts';
import { ApiClient } from '../support/http-client.ts';

const running: CliProcess[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const p of running.splice(0)) await p.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zg-first-run-'));
  dirs.push(dir);
  return dir;
}

/** The test runner's environment without the settings a test gives the gateway itself. */
function baseEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of ['PORT', 'HOST', 'DATA_DIR', 'DATABASE_URL', 'API_KEY', 'LOG_LEVEL', 'LOG_FORMAT'])
    delete env[name];
  return { ...env, ...extra };
}

function start(cwd: string, env: Record<string, string | undefined>): CliProcess {
  const cli = new CliProcess(cwd, env);
  running.push(cli);
  return cli;
}

const JSON_LOG_LINE = /^\{"level":\d+,.*"msg":"Server listening at /m;

describe('starting the gateway as a new operator does', () => {
  it('reads a .env in the working directory, with the real environment winning over it', async () => {
    const cwd = tempDir();
    const port = await freePort();
    const fileKey = 'zg_key_written_in_the_dotenv_file_0123';
    writeFileSync(
      join(cwd, '.env'),
      [
        `PORT=${port}`,
        'HOST=127.0.0.1',
        'DATA_DIR=./from-dotenv',
        `API_KEY=${fileKey}`,
        'LOG_LEVEL=info',
        '',
      ].join('\n'),
    );
    const cli = start(cwd, baseEnv({ API_KEY: ADMIN_KEY }));
    const url = await cli.listening(port);
    expect(existsSync(join(cwd, 'from-dotenv', 'zapgate.db'))).toBe(true);
    const api = new ApiClient(url, ADMIN_KEY);
    expect((await api.get('/api/v1/instances')).status).toBe(200);
    expect((await api.withKey(fileKey).get('/api/v1/instances')).status).toBe(401);

    // stdout is a pipe here, not a terminal: JSON lines by default
    await cli.waitFor('stdout', JSON_LOG_LINE);
    for (const line of cli.stdout.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    await cli.stop();
  });

  it('writes pretty log lines when LOG_FORMAT=pretty, even on a pipe', async () => {
    const port = await freePort();
    const cli = start(
      tempDir(),
      baseEnv({ PORT: String(port), HOST: '127.0.0.1', LOG_FORMAT: 'pretty', LOG_LEVEL: 'info' }),
    );
    await cli.listening(port);
    await cli.waitFor('stdout', /INFO.*: Server listening at /);
    expect(cli.stdout).not.toMatch(/^\{/m);
    await cli.stop();
  });
});
