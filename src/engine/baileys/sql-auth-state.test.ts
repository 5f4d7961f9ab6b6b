import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialCipher, newKeyDerivation } from '../../auth/credential-cipher.ts';
import { openStore } from '../../store/database.ts';
import type { Store } from '../../store/repositories.ts';
import { loadSqlAuthState } from './sql-auth-state.ts';

const derivation = newKeyDerivation();
const createAuthCipher = (key: string | undefined) => credentialCipher(key, derivation);

let dir: string;
let store: Store;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zg-auth-'));
  store = await openStore(`sqlite://${join(dir, 'auth.db')}`);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Baileys auth state in SQL', () => {
  it('round-trips credentials and keys, and encrypts them at rest with a master key', async () => {
    const cipher = createAuthCipher('operator secret');
    const first = await loadSqlAuthState(store.authState, 'inst-1', cipher);
    first.state.creds.me = { id: '15550001111:1@s.whatsapp.net', name: 'Shop' };
    await first.saveCreds();
    await first.state.keys.set({
      'pre-key': { '1': { public: Buffer.from([1, 2, 3]), private: Buffer.from([4, 5, 6]) } },
    });

    const raw = await store.authState.loadCreds('inst-1');
    expect(raw).toMatch(/^zg2:/);
    expect(raw).not.toContain('15550001111');
    const rawKey = (await store.authState.loadKeys('inst-1', 'pre-key', ['1'])).get('1');
    expect(rawKey).toMatch(/^zg2:/);

    const again = await loadSqlAuthState(store.authState, 'inst-1', cipher);
    expect(again.state.creds.me?.id).toBe('15550001111:1@s.whatsapp.net');
    const keys = await again.state.keys.get('pre-key', ['1', '2']);
    expect(Buffer.from(keys['1']?.private ?? []).equals(Buffer.from([4, 5, 6]))).toBe(true);
    expect(keys['2']).toBeUndefined();

    await again.state.keys.set({ 'pre-key': { '1': null } });
    expect(await store.authState.countKeys('inst-1')).toBe(0);
  });

  it('ended, it waits for the writes under way and writes nothing asked for later', async () => {
    const auth = await loadSqlAuthState(store.authState, 'inst-end', createAuthCipher(undefined));
    const key = (n: number) => ({ public: Buffer.from([n]), private: Buffer.from([n + 1]) });
    const inFlight = auth.state.keys.set({ 'pre-key': { '1': key(1) } });
    await auth.end();
    // the write asked for before the end has landed by the time end() returns
    expect(await store.authState.countKeys('inst-end')).toBe(1);
    await store.authState.clear('inst-end');
    await auth.state.keys.set({ 'pre-key': { '2': key(2) } });
    await auth.saveCreds();
    await inFlight;
    expect(await store.authState.countKeys('inst-end')).toBe(0);
    expect(await store.authState.loadCreds('inst-end')).toBeUndefined();
  });

  it('says so when encrypted credentials meet the wrong or no master key', async () => {
    await expect(loadSqlAuthState(store.authState, 'inst-1', createAuthCipher('another'))).rejects.toThrow(
      /MASTER_KEY/,
    );
    await expect(loadSqlAuthState(store.authState, 'inst-1', createAuthCipher(undefined))).rejects.toThrow(
      /set MASTER_KEY/,
    );
  });
});
