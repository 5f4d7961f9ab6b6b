import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../sim/simulator.ts';
import {
  ADMIN_KEY,
  freePort,
  GatewayProcess,
  type InstanceJson,
  linkByQr,
  PACING_OFF,
  waitForStatus,
} from '../support/gateway-harness.ts';
import { ApiClient, eventually } from '../support/http-client.ts';
import { zapgateArgs } from '../support/zapgate-command.ts';

interface Sandbox {
  api: ApiClient;
  adminUrl: string;
  output(): string;
  stop(): Promise<void>;
}

/** What a test leaves behind, undone when it finishes (the two tests run side by side). */
type OnFinished = (undo: () => Promise<void> | void) => void;

const tempDir = (prefix: string, onFinished: OnFinished) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

/** `zapgate sandbox` as an operator starts it, from `cwd` (its relative `./data` lives there). */
async function startSandbox(
  cwd: string,
  onFinished: OnFinished,
  env: Record<string, string> = {},
): Promise<Sandbox> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, zapgateArgs('sandbox'), {
    cwd,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      API_KEY: ADMIN_KEY,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const keep = (c: Buffer) => {
    stderr += c.toString();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise((r) => child.once('exit', r));
  const sandbox: Sandbox = {
    api: new ApiClient(`http://127.0.0.1:${port}`, ADMIN_KEY),
    adminUrl: '',
    output: () => stderr,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  onFinished(() => sandbox.stop());
  sandbox.adminUrl = await eventually(
    'the simulator admin URL',
    () => /admin API (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1],
    90_000, // a ceiling for a loaded machine, not a timing assertion
  );
  expect(stderr).toContain(`Zapgate listening on http://127.0.0.1:${port}`);
  return sandbox;
}

const createPhone = async (adminUrl: string, name: string) =>
  (await fetch(`${adminUrl}/accounts`, { method: 'POST', body: JSON.stringify({ name }) }).then((r) =>
    r.json(),
  )) as { phone: string };

// The two tests share nothing (each its own directories, simulator and processes), so they run at once.
describe.concurrent('zapgate sandbox', () => {
  it('starts the gateway wired to its own simulator, in ./data/sandbox, and links an instance as the README walks through', async ({
    expect,
    onTestFinished,
  }) => {
    const cwd = tempDir('zg-sandbox-', onTestFinished);
    const sandbox = await startSandbox(cwd, onTestFinished);
    const { phone } = await createPhone(sandbox.adminUrl, 'Sandbox Phone');
    const created = await sandbox.api.post<{ id: string }>('/api/v1/instances', { name: 'try-me' });
    const linked = await linkByQr(sandbox.api, sandbox.adminUrl, created.body.id, phone);
    expect(linked.phone).toBe(phone);
    expect(existsSync(join(cwd, 'data/sandbox/zapgate.db'))).toBe(true);
    expect(existsSync(join(cwd, 'data/zapgate.db'))).toBe(false);
  });

  it("never unlinks or alters a real server's instance, even on the same data directory", async ({
    expect,
    onTestFinished,
  }) => {
    const dataDir = tempDir('zg-shared-', onTestFinished);
    const real = await startSimulator();
    try {
      const gw = new GatewayProcess({ sim: real.info, dataDir, env: PACING_OFF });
      onTestFinished(() => gw.dispose());
      await gw.start();
      const { phone } = real.api.createAccount({ name: 'Real shop' });
      const created = await gw.api.post<InstanceJson>('/api/v1/instances', { name: 'real' });
      await linkByQr(gw.api, real.info.adminUrl, created.body.id, phone);
      await gw.stop('SIGTERM');

      // The sandbox pointed at the real server's data: its own simulator has never seen that phone.
      const sandbox = await startSandbox(dataDir, onTestFinished, { DATA_DIR: dataDir });
      await eventually('the sandbox to pass over the real instance', () =>
        sandbox.output().includes('not restoring an instance linked on another server'),
      );
      for (const action of ['start', 'restart', 'stop', 'logout']) {
        const res = await sandbox.api.post<{ error: { code: string } }>(`/api/v1/instances/real/${action}`);
        expect(res.status, action).toBe(409);
        expect(res.body.error.code).toBe('ZG_ERR_OTHER_SERVER');
      }
      const deleted = await sandbox.api.delete<{ error: { code: string } }>('/api/v1/instances/real');
      expect(deleted.body.error.code).toBe('ZG_ERR_OTHER_SERVER');
      const seen = await sandbox.api.get<InstanceJson>('/api/v1/instances/real');
      expect(seen.body.status).toBe('disconnected');
      await sandbox.stop();

      // the sandbox's own routes (the simulator's phone scans a QR code) do not exist on a real server
      await gw.start();
      expect((await gw.api.get('/api/v1/sandbox')).status).toBe(404);
      expect((await gw.api.post('/api/v1/instances/real/sandbox-scan')).status).toBe(404);

      // Back on its own server, the instance logs straight in with the credentials it had.
      const back = await waitForStatus(gw.api, 'real', 'connected');
      expect(back.phone).toBe(phone);
      await gw.dispose();
    } finally {
      await real.close();
    }
    // three process starts in a row (gateway, sandbox, gateway): more than the two the default allows for
  }, 180_000);
});
