import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../sim/simulator.ts';
import { GatewayProcess } from '../support/gateway-harness.ts';

const modeOf = (path: string): string => (statSync(path).mode & 0o777).toString(8).padStart(3, '0');

describe('files a started gateway creates are its own user’s alone', () => {
  let sim: RunningSimulator;
  let gw: GatewayProcess;
  let root: string;
  let dataDir: string;

  beforeAll(async () => {
    sim = await startSimulator();
    root = mkdtempSync(join(tmpdir(), 'zg-perms-'));
    // a data directory (and a parent) that the gateway has to make itself
    dataDir = join(root, 'var', 'zapgate');
    gw = new GatewayProcess({
      sim: sim.info,
      dataDir,
      databaseUrl: `sqlite://${join(dataDir, 'zapgate.db')}`,
      // no API_KEY: the gateway generates the admin key and keeps it in the data directory
      env: { API_KEY: '' },
    });
    await gw.start();
  });
  afterAll(async () => {
    await gw?.stop('SIGKILL');
    rmSync(root, { recursive: true, force: true });
    await sim?.close();
  });

  it('makes the data directory 0700 and the database, its WAL and shared memory 0600', () => {
    expect(modeOf(dataDir)).toBe('700');
    expect(modeOf(join(root, 'var'))).toBe('700');
    for (const file of ['zapgate.db', 'zapgate.db-wal', 'zapgate.db-shm'])
      expect({ file, mode: modeOf(join(dataDir, file)) }).toEqual({ file, mode: '600' });
  });

  it('writes the generated admin key 0600, and the key works', async () => {
    const file = join(dataDir, 'admin-api-key');
    expect(modeOf(file)).toBe('600');
    const key = readFileSync(file, 'utf8').trim();
    const res = await fetch(`${gw.api.baseUrl}/api/v1/tenants`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(200);
  });
});
