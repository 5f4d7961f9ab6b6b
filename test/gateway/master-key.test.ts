import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../sim/simulator.ts';
import { credentialCipher } from '../../src/auth/credential-cipher.ts';
import { refOf } from '../../src/auth/master-key.ts';
import { openStore } from '../../src/store/database.ts';
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
  let gw: GatewayProcess;
  let instance: InstanceJson;
  const startWith = async (env: Record<string, string>) => {
    gw = new GatewayProcess({ sim: sim.info, dataDir: gw.dataDir, env: { ...PACING_OFF, ...env } });
    return gw.start();
  };

  beforeAll(async () => {
    sim = await startSimulator();
    gw = await new GatewayProcess({ sim: sim.info, env: { ...PACING_OFF, MASTER_KEY: KEY } }).start();
    const { phone } = sim.api.createAccount({ name: 'Sealed' });
    const created = await gw.api.post<InstanceJson>('/api/v1/instances', { name: 'sealed' });
    instance = await linkByQr(gw.api, sim.info.adminUrl, created.body.id, phone);
  });
  afterAll(async () => {
    await gw?.stop('SIGKILL');
    const { rmSync } = await import('node:fs');
    if (gw) rmSync(gw.dataDir, { recursive: true, force: true });
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

  it('reconnects with the same key after a restart, without a new QR', async () => {
    const before = await gw.api.get<Logs>(`/api/v1/instances/${instance.id}/logs`);
    expect(await gw.stop('SIGTERM')).toBe(0);
    await startWith({ MASTER_KEY: KEY });
    const back = await waitForStatus(gw.api, instance.id, 'connected');
    expect(back.phone).toBe(instance.phone);
    const logs = await gw.api.get<Logs>(`/api/v1/instances/${instance.id}/logs`);
    const newest = before.body.items[0]?.id ?? 0;
    const sinceRestart = logs.body.items.filter((e) => e.id > newest).map((e) => e.data.status);
    expect(sinceRestart).toContain('connecting');
    expect(sinceRestart).not.toContain('qr');
  });

  it('rows of the first format (zg1) keep working: the instance reconnects and they are re-sealed', async () => {
    expect(await gw.stop('SIGTERM')).toBe(0);
    const rewritten = await toFirstFormat(gw.databaseUrl, KEY);
    expect(rewritten).toBeGreaterThan(1);
    expect(
      rawAuthRows(gw.databaseUrl.replace('sqlite://', ''), instance.id).every((d) => d.startsWith('zg1:')),
    ).toBe(true);
    await startWith({ MASTER_KEY: KEY });
    const back = await waitForStatus(gw.api, instance.id, 'connected');
    expect(back.phone).toBe(instance.phone);
    const rows = rawAuthRows(gw.databaseUrl.replace('sqlite://', ''), instance.id);
    expect(rows.filter((d) => !d.startsWith('zg2:'))).toEqual([]);
  });

  it('with a different key, the instance fails with the reason and the gateway keeps serving', async () => {
    expect(await gw.stop('SIGTERM')).toBe(0);
    await startWith({ MASTER_KEY: 'another key entirely' });
    const failed = await waitForStatus(gw.api, instance.id, ['failed', 'connected']);
    expect(failed.status).toBe('failed');
    expect(failed.lastError).toMatch(/do not open with this MASTER_KEY/);
    expect((await fetch(`${gw.api.baseUrl}/health`)).status).toBe(200);
    expect(gw.child?.exitCode).toBeNull();
    // the credentials were not overwritten: the right key still opens them
    expect(rawAuthRows(gw.databaseUrl.replace('sqlite://', ''), instance.id).length).toBeGreaterThan(1);
  });

  it('without a key, the instance fails asking for one', async () => {
    expect(await gw.stop('SIGTERM')).toBe(0);
    await startWith({});
    const started = await gw.api.post<InstanceJson>(`/api/v1/instances/${instance.id}/start`);
    expect(started.status).toBe(200);
    const failed = await waitForStatus(gw.api, instance.id, ['failed', 'connected']);
    expect(failed.status).toBe('failed');
    expect(failed.lastError).toMatch(/set MASTER_KEY/);
  });
});
