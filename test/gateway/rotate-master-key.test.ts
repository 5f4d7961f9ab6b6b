import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../sim/simulator.ts';
import { rotateMasterKeyCommand } from '../../src/cli/rotate-master-key.ts';
import { copyOfSqliteDatabase } from '../support/database-copy.ts';
import {
  GatewayProcess,
  type InstanceJson,
  linkByQr,
  PACING_OFF,
  waitForStatus,
} from '../support/gateway-harness.ts';
import { zapgateArgs } from '../support/zapgate-command.ts';

type Logs = { items: Array<{ id: number; data: { status: string } }> };

const ROOT = resolve(import.meta.dirname, '../..');
const FIRST = 'first master key';
const SECOND = 'second master key';

/** `zapgate rotate-master-key` as an operator runs it (a process of its own), on the gateway's database. */
function rotate(gw: GatewayProcess, env: Record<string, string>, args: string[] = []) {
  const child = spawn(process.execPath, zapgateArgs('rotate-master-key', ...args), {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: gw.databaseUrl, DATA_DIR: gw.dataDir, MASTER_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise<{ code: number | null; output: string }>((res) =>
    child.once('exit', (code) => res({ code, output })),
  );
}

describe('zapgate rotate-master-key', () => {
  /** The command's own entry point, in this process (the spawned CLI is proven once, below). */
  const rotateInProcess = async (on: GatewayProcess, env: Record<string, string>, args: string[] = []) => {
    let output = '';
    const code = await rotateMasterKeyCommand(
      args,
      { DATABASE_URL: on.databaseUrl, DATA_DIR: on.dataDir, ...env },
      (line) => (output += `${line}\n`),
      (line) => (output += `${line}\n`),
    );
    return { code, output };
  };
  let sim: RunningSimulator;
  /** The gateway the instance was linked on (with no key), and one on a copy of its database. */
  let gw: GatewayProcess;
  let copy: GatewayProcess;
  let instance: InstanceJson;
  const startWith = async (on: GatewayProcess, env: Record<string, string>) =>
    new GatewayProcess({
      sim: sim.info,
      dataDir: on.dataDir,
      databaseUrl: on.databaseUrl,
      env: { ...PACING_OFF, ...env },
    }).start();
  /** The instance's statuses on `on` since the newest log entry before `since` was taken. */
  const statusesSince = async (on: GatewayProcess, since: Logs) => {
    const logs = await on.api.get<Logs>(`/api/v1/instances/${instance.id}/logs`);
    const newest = since.items[0]?.id ?? 0;
    return logs.body.items.filter((e) => e.id > newest).map((e) => e.data.status);
  };

  beforeAll(async () => {
    sim = await startSimulator();
    // linked with no key: its credentials are stored unencrypted
    gw = await new GatewayProcess({ sim: sim.info, env: { ...PACING_OFF } }).start();
    const { phone } = sim.api.createAccount({ name: 'Rotated' });
    const created = await gw.api.post<InstanceJson>('/api/v1/instances', { name: 'rotated' });
    instance = await linkByQr(gw.api, sim.info.adminUrl, created.body.id, phone);
    // stopped cleanly, then copied: the rotation runs on the copy beside the refusals on the original
    expect(await gw.stop('SIGTERM')).toBe(0);
    const copied = await copyOfSqliteDatabase(gw.databaseUrl);
    copy = new GatewayProcess({ sim: sim.info, dataDir: copied.dataDir, databaseUrl: copied.url });
  });
  afterAll(async () => {
    // the gateways of the restarts were handed their data directories, so they do not remove them
    for (const each of [gw, copy]) {
      await each?.stop('SIGKILL');
      if (each) rmSync(each.dataDir, { recursive: true, force: true });
    }
    await sim?.close();
  });

  // The two lines below run side by side (two gateways, two databases); each runs its tests in order.
  describe.concurrent('on the unencrypted database', () => {
    it.sequential('once a key is set, unencrypted credentials are refused with a coded reason', async () => {
      gw = await startWith(gw, { MASTER_KEY: FIRST });
      const failed = await waitForStatus(gw.api, instance.id, ['failed', 'connected']);
      expect(failed.status).toBe('failed');
      expect(failed.lastError).toMatch(/^ZG_ERR_PLAINTEXT_CREDENTIALS: .*rotate-master-key/);
    }, 120_000);

    it.sequential('refuses to rotate while a gateway runs on the database, and changes nothing', async () => {
      const refused = await rotate(gw, { NEW_MASTER_KEY: FIRST });
      expect(refused.code).toBe(1);
      expect(refused.output).toMatch(/refused, nothing changed: gateways are running .*--force/);
    }, 120_000);
  });

  describe.concurrent('on a copy of it, with the gateway stopped', () => {
    it.sequential('encrypts the unencrypted rows once, rotates to a new key, and the new key reconnects without a QR', async () => {
      const encrypted = await rotateInProcess(copy, { NEW_MASTER_KEY: FIRST });
      expect(encrypted.output).toMatch(
        /re-encrypted 1 credentials row and \d+ key rows of 1 instance \(\d+ were unencrypted, 0 in the first format\)/,
      );
      expect(encrypted.code).toBe(0);
      const rotated = await rotateInProcess(copy, { MASTER_KEY: FIRST }, ['--new-key', SECOND]);
      expect(rotated.output).toMatch(/of 1 instance \(0 were unencrypted, 0 in the first format\)/);
      expect(rotated.code).toBe(0);

      copy = await startWith(copy, { MASTER_KEY: SECOND });
      const before = await copy.api.get<Logs>(`/api/v1/instances/${instance.id}/logs`);
      expect((await copy.api.post(`/api/v1/instances/${instance.id}/start`)).status).toBe(200);
      const back = await waitForStatus(copy.api, instance.id, 'connected');
      expect(back.phone).toBe(instance.phone);
      expect(await statusesSince(copy, before.body)).not.toContain('qr');
    }, 120_000);

    it.sequential('after the rotation, a gateway with the old key is refused with a coded reason', async () => {
      expect(await copy.stop('SIGTERM')).toBe(0);
      copy = await startWith(copy, { MASTER_KEY: FIRST });
      const failed = await waitForStatus(copy.api, instance.id, ['failed', 'connected']);
      expect(failed.status).toBe('failed');
      expect(failed.lastError).toMatch(/^ZG_ERR_MASTER_KEY_MISMATCH: /);
      expect((await fetch(`${copy.api.baseUrl}/health`)).status).toBe(200);
    }, 120_000);
  });
});
