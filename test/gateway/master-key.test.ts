import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../sim/simulator.ts';
import { credentialCipher } from '../../src/auth/credential-cipher.ts';
import { refOf } from '../../src/auth/master-key.ts';
import { openStore } from '../../src/store/database.ts';
import { copyOfSqliteDatabase } from '../support/database-copy.ts';
import {
  GatewayProcess,
  type InstanceJson,
  linkByQr,
  PACING_OFF,
  waitForStatus,
} from '../support/gateway-harness.ts';
import { legacySeal } from '../support/legacy-seal.ts';

type Logs = { items: Array<{ id: number; data: { status: string } }> };

const KEY = 'correct horse battery staple';

/** The auth rows exactly as stored, read from the SQLite file beside the gateway. */
function rawAuthRows(file: string, instanceId: string): string[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const creds = db.prepare('SELECT data FROM auth_creds WHERE instance_id = ?').all(instanceId);
    const keys = db.prepare('SELECT data FROM auth_keys WHERE instance_id = ?').all(instanceId);
    return [...creds, ...keys].map((row) => (row as { data: string }).data);
  } finally {
    db.close();
  }
}

/** Rewrites every auth row as the first scheme wrote it (what an operator upgrading still has). */
async function toFirstFormat(databaseUrl: string, masterKey: string): Promise<number> {
  const store = await openStore(databaseUrl);
  try {
    const cipher = credentialCipher(masterKey, await store.masterKey.derivation());
    const rows = await store.masterKey.authRows();
    return await store.masterKey.rewrite(
      rows.map((row) => ({ ...row, next: legacySeal(masterKey, cipher.open(row.data, refOf(row))) })),
    );
  } finally {
    await store.close();
  }
}

describe('MASTER_KEY across a gateway restart', () => {
  let sim: RunningSimulator;
  /** The gateway the instance was linked on, and one on a copy of its database. */
  let gw: GatewayProcess;
  let copy: GatewayProcess;
  let instance: InstanceJson;
  /** The instance's log before the first restart. */
  let beforeRestart: Logs;
  const startWith = async (on: GatewayProcess, env: Record<string, string>) =>
    new GatewayProcess({ sim: sim.info, dataDir: on.dataDir, env: { ...PACING_OFF, ...env } }).start();

  beforeAll(async () => {
    sim = await startSimulator();
    gw = await new GatewayProcess({ sim: sim.info, env: { ...PACING_OFF, MASTER_KEY: KEY } }).start();
    const { phone } = sim.api.createAccount({ name: 'Sealed' });
    const created = await gw.api.post<InstanceJson>('/api/v1/instances', { name: 'sealed' });
    instance = await linkByQr(gw.api, sim.info.adminUrl, created.body.id, phone);
    beforeRestart = (await gw.api.get<Logs>(`/api/v1/instances/${instance.id}/logs`)).body;
    // stopped cleanly, then copied: the wrong-key cases run on the copy beside the right-key ones
    expect(await gw.stop('SIGTERM')).toBe(0);
    const copied = await copyOfSqliteDatabase(gw.databaseUrl);
    copy = new GatewayProcess({ sim: sim.info, dataDir: copied.dataDir, databaseUrl: copied.url });
  });
  afterAll(async () => {
    const { rmSync } = await import('node:fs');
    for (const each of [gw, copy]) {
      await each?.stop('SIGKILL');
      if (each) rmSync(each.dataDir, { recursive: true, force: true });
    }
    await sim?.close();
  });

  it('writes credentials and keys encrypted, never as plaintext', () => {
    const rows = rawAuthRows(gw.databaseUrl.replace('sqlite://', ''), instance.id);
    expect(rows.length).toBeGreaterThan(1);
    for (const data of rows) {
      expect(data.startsWith('zg2:')).toBe(true);
      expect(() => JSON.parse(data)).toThrow();
    }
    expect(rows.join('\n')).not.toContain(String(instance.phone));
    expect(rows.join('\n')).not.toContain('noiseKey');
  });

  // The two lines below run side by side (two gateways, two databases); each runs its tests in order.
  describe.concurrent('with the key it was linked with', () => {
    it.sequential('reconnects with the same key after a restart, without a new QR', async () => {
      gw = await startWith(gw, { MASTER_KEY: KEY });
      const back = await waitForStatus(gw.api, instance.id, 'connected');
      expect(back.phone).toBe(instance.phone);
      const logs = await gw.api.get<Logs>(`/api/v1/instances/${instance.id}/logs`);
      const newest = beforeRestart.items[0]?.id ?? 0;
      const sinceRestart = logs.body.items.filter((e) => e.id > newest).map((e) => e.data.status);
      expect(sinceRestart).toContain('connecting');
      expect(sinceRestart).not.toContain('qr');
    });

    it.sequential('rows of the first format (zg1) keep working: the instance reconnects and they are re-sealed', async () => {
      expect(await gw.stop('SIGTERM')).toBe(0);
      const rewritten = await toFirstFormat(gw.databaseUrl, KEY);
      expect(rewritten).toBeGreaterThan(1);
      expect(
        rawAuthRows(gw.databaseUrl.replace('sqlite://', ''), instance.id).every((d) => d.startsWith('zg1:')),
      ).toBe(true);
      gw = await startWith(gw, { MASTER_KEY: KEY });
      const back = await waitForStatus(gw.api, instance.id, 'connected');
      expect(back.phone).toBe(instance.phone);
      const rows = rawAuthRows(gw.databaseUrl.replace('sqlite://', ''), instance.id);
      expect(rows.filter((d) => !d.startsWith('zg2:'))).toEqual([]);
    });
  });

  describe.concurrent('on a copy of its database, with another key or none', () => {
    it.sequential('with a different key, the instance fails with the reason and the gateway keeps serving', async () => {
      copy = await startWith(copy, { MASTER_KEY: 'another key entirely' });
      const failed = await waitForStatus(copy.api, instance.id, ['failed', 'connected']);
      expect(failed.status).toBe('failed');
      expect(failed.lastError).toMatch(/do not open with this MASTER_KEY/);
      expect((await fetch(`${copy.api.baseUrl}/health`)).status).toBe(200);
      expect(copy.child?.exitCode).toBeNull();
      // the credentials were not overwritten: the right key still opens them
      expect(rawAuthRows(copy.databaseUrl.replace('sqlite://', ''), instance.id).length).toBeGreaterThan(1);
    });

    it.sequential('without a key, the instance fails asking for one', async () => {
      expect(await copy.stop('SIGTERM')).toBe(0);
      copy = await startWith(copy, {});
      const started = await copy.api.post<InstanceJson>(`/api/v1/instances/${instance.id}/start`);
      expect(started.status).toBe(200);
      const failed = await waitForStatus(copy.api, instance.id, ['failed', 'connected']);
      expect(failed.status).toBe('failed');
      expect(failed.lastError).toMatch(/set MASTER_KEY/);
    });
  });
});
