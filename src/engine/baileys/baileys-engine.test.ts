import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../../sim/simulator.ts';
import { credentialCipher, newKeyDerivation } from '../../auth/credential-cipher.ts';
import { openStore } from '../../store/database.ts';
import type { AuthStateRepository, Store } from '../../store/repositories.ts';
import type { CloseInfo, EngineConnection, LinkedIdentity } from '../engine.ts';
import { BaileysEngine } from './baileys-engine.ts';

let dir: string;
let store: Store;
let sim: RunningSimulator;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zg-engine-'));
  store = await openStore(`sqlite://${join(dir, 'engine.db')}`);
  sim = await startSimulator();
});
afterAll(async () => {
  await sim?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The store as a loaded database serves it: every credentials write takes `ms` to commit. */
const slowCredsWrites = (repo: AuthStateRepository, ms: number): AuthStateRepository => ({
  loadCreds: (id) => repo.loadCreds(id),
  saveCreds: async (id, data, fence) => {
    await new Promise((r) => setTimeout(r, ms));
    await repo.saveCreds(id, data, fence);
  },
  loadKeys: (id, type, ids) => repo.loadKeys(id, type, ids),
  writeKeys: (id, entries, fence) => repo.writeKeys(id, entries, fence),
  clear: (id, fence) => repo.clear(id, fence),
  countKeys: (id) => repo.countKeys(id),
});

type Next = { qr: string } | { open: LinkedIdentity } | { close: CloseInfo };
const nextOf = (conn: EngineConnection): Promise<Next> =>
  new Promise((resolve) => {
    conn.on('qr', ({ qr }) => resolve({ qr }));
    conn.on('open', (open) => resolve({ open }));
    conn.on('close', (close) => resolve({ close }));
  });

describe('the Baileys engine', () => {
  it('reconnects after linking with the credentials linking gave, however slow their write', async () => {
    const engine = new BaileysEngine({
      authState: slowCredsWrites(store.authState, 400),
      cipher: credentialCipher(undefined, newKeyDerivation()),
      server: { url: sim.info.wsUrl, rootPublicKey: sim.info.rootPublicKey, tlsCert: sim.info.tlsCert },
      logger: pino({ level: 'silent' }),
      baileysLogLevel: 'silent',
      browserName: 'Zapgate test',
      keepAliveIntervalMs: 30_000,
      inboundMediaMaxBytes: 1_000_000,
    });
    const { phone } = sim.api.createAccount({ name: 'Slow disk' });
    const first = await engine.connect('inst-slow');
    const shown = await nextOf(first);
    if (!('qr' in shown)) throw new Error(`expected a QR code first, got ${JSON.stringify(shown)}`);
    const closed = nextOf(first);
    sim.api.linkQr(phone, shown.qr);
    // the server asks for a restart as soon as the phone has linked, before the write commits
    expect(await closed).toMatchObject({ close: { kind: 'restart_required' } });

    const second = await engine.connect('inst-slow');
    const after = await nextOf(second);
    await second.close();
    expect(after).toMatchObject({ open: { phone } });
  });
});
