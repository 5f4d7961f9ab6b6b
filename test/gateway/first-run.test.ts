import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** Starts `zapgate serve` from `cwd` on a free port and waits for its banner's last line. */
async function startServing(cwd: string, extra: Record<string, string>) {
  const port = await freePort();
  const cli = start(cwd, baseEnv({ PORT: String(port), HOST: '127.0.0.1', ...extra }));
  const url = await cli.listening(port);
  await cli.waitFor('stderr', /Admin API key: .*\n/);
  return { cli, url };
}

const NO_WARNINGS = /DeprecationWarning|FSTDEP|ExperimentalWarning|\(node:\d+\) \[/;
const JSON_LOG_LINE = /^\{"level":\d+,.*"msg":"Server listening at /m;

// each start compiles the gateway with tsx: seconds on a quiet machine, far more on a busy one
describe('starting the gateway as a new operator does', { timeout: 180_000 }, () => {
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
    await cli.waitFor('stderr', /Admin API key: .*\n/);
    expect(cli.stderr).toContain(`Dashboard: ${url}/`);
    expect(cli.stderr).toContain(`API docs: ${url}/docs`);
    expect(cli.stderr).toContain('Admin API key: the API_KEY setting (not printed)');
    expect(cli.stderr).not.toContain(ADMIN_KEY);
    expect(cli.stderr).not.toMatch(NO_WARNINGS);
    await cli.stop();
  });

  it('prints a generated key once, and on later starts only the file that keeps it', async () => {
    const cwd = tempDir();
    const keyFile = join(cwd, 'data', 'admin-api-key');
    const first = await startServing(cwd, { LOG_FORMAT: 'pretty', LOG_LEVEL: 'info' });
    const key = readFileSync(keyFile, 'utf8').trim();
    expect(first.cli.stderr).toContain(
      `Admin API key: ${key} (generated now and shown once; kept in ${keyFile})`,
    );
    expect(first.cli.stderr).toContain(`Dashboard: ${first.url}/`);
    expect(first.cli.stderr).not.toMatch(NO_WARNINGS);
    // LOG_FORMAT=pretty: lines for a person, not JSON, even on a pipe
    await first.cli.waitFor('stdout', /INFO.*: Server listening at /);
    expect(first.cli.stdout).not.toMatch(/^\{/m);
    await first.cli.stop();

    const again = await startServing(cwd, { LOG_LEVEL: 'warn' });
    expect(again.cli.stderr).toContain(`Admin API key: in ${keyFile}`);
    expect(again.cli.stderr).toContain(`API docs: ${again.url}/docs`);
    expect(again.cli.stderr).not.toContain(key);
    expect((await new ApiClient(again.url, key).get('/api/v1/instances')).status).toBe(200);
    await again.cli.stop();
  });
});
