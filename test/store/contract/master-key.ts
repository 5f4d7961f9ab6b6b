import { expect, it } from 'vitest';
import { credentialCipher, newKeyDerivation } from '../../../src/auth/credential-cipher.ts';
import { openCredentialCipher } from '../../../src/auth/master-key.ts';
import { RotationRefusedError, rotateMasterKey } from '../../../src/auth/master-key-rotation.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { legacySeal } from '../../support/legacy-seal.ts';
import type { ContractContext } from './fixture.ts';
import { unique } from './fixture.ts';

const quiet = createLogger('silent');
// past every lease and heartbeat the other contract suites leave in this database
const LATER = new Date(Date.now() + 86_400_000);

/**
 * Sealing under MASTER_KEY, over the store: the database's derivation, the one-time upgrade of
 * first-format rows, and rotation. Runs last in the suite: a rotation re-seals every auth row.
 */
export function masterKeyContract(ctx: () => ContractContext): void {
  it('keeps one derivation per database: the first one written stays', async () => {
    const { masterKey } = ctx().store;
    const first = await masterKey.ensureDerivation(newKeyDerivation(new Date(1_700_000_000_000)));
    const second = await masterKey.ensureDerivation(newKeyDerivation());
    expect(second).toEqual(first);
    expect(first.kdf).toMatch(/^scrypt:N=\d+,r=8,p=1$/);
    expect(Buffer.from(first.salt, 'base64')).toHaveLength(16);
    expect(await masterKey.derivation()).toEqual(first);
  });

  it('lists auth rows but those of a prefix, and rewrites only rows still as read', async () => {
    const { store } = ctx();
    const instanceId = unique('mk');
    await store.authState.saveCreds(instanceId, 'zg2:already');
    await store.authState.writeKeys(instanceId, [
      { type: 'pre-key', id: '1', value: 'zg1:old' },
      { type: 'session', id: '5511.0', value: '{"plain":1}' },
    ]);
    const rows = (await store.masterKey.authRows('zg2:')).filter((r) => r.instanceId === instanceId);
    expect(rows.map((r) => [r.kind, r.type, r.keyId, r.data])).toEqual([
      ['key', 'pre-key', '1', 'zg1:old'],
      ['key', 'session', '5511.0', '{"plain":1}'],
    ]);
    const [preKey, session] = rows as [(typeof rows)[0], (typeof rows)[0]];
    // the session was written again after it was read: that write wins
    await store.authState.writeKeys(instanceId, [{ type: 'session', id: '5511.0', value: '{"newer":1}' }]);
    const changed = await store.masterKey.rewrite([
      { ...preKey, next: 'zg2:pre' },
      { ...session, next: 'zg2:stale' },
    ]);
    expect(changed).toBe(1);
    expect((await store.authState.loadKeys(instanceId, 'pre-key', ['1'])).get('1')).toBe('zg2:pre');
    expect((await store.authState.loadKeys(instanceId, 'session', ['5511.0'])).get('5511.0')).toBe(
      '{"newer":1}',
    );
    await store.authState.clear(instanceId);
  });

  it('upgrades rows of the first format once at open, bound to their row, and leaves plaintext alone', async () => {
    const { store } = ctx();
    const instanceId = unique('mk');
    await store.authState.saveCreds(instanceId, legacySeal('k1', '{"me":"old"}'));
    await store.authState.writeKeys(instanceId, [
      { type: 'pre-key', id: '9', value: legacySeal('k1', '{"pk":9}') },
      { type: 'pre-key', id: '10', value: '{"plain":10}' },
    ]);
    const cipher = await openCredentialCipher(store, 'k1', quiet);
    const creds = (await store.authState.loadCreds(instanceId)) ?? '';
    const preKey = (await store.authState.loadKeys(instanceId, 'pre-key', ['9', '10'])).get('9') ?? '';
    expect(creds).toMatch(/^zg2:/);
    expect(preKey).toMatch(/^zg2:/);
    expect(cipher.open(creds, { instanceId, kind: 'creds' })).toBe('{"me":"old"}');
    expect(cipher.open(preKey, { instanceId, kind: 'key', type: 'pre-key', keyId: '9' })).toBe('{"pk":9}');
    expect(() => cipher.open(preKey, { instanceId, kind: 'key', type: 'pre-key', keyId: '10' })).toThrow(
      /ZG_ERR_MASTER_KEY_MISMATCH/,
    );
    expect((await store.authState.loadKeys(instanceId, 'pre-key', ['10'])).get('10')).toBe('{"plain":10}');
    await store.authState.clear(instanceId);
  });

  it('rotates every row to a new key and salt in one go, refusing while a gateway is alive', async () => {
    const { store } = ctx();
    const instanceId = unique('mk');
    const before = await openCredentialCipher(store, 'k1', quiet);
    const ref = { instanceId, kind: 'key' as const, type: 'session', keyId: 'a.0' };
    await store.authState.saveCreds(instanceId, before.seal('{"c":1}', { instanceId, kind: 'creds' }));
    await store.authState.writeKeys(instanceId, [
      { type: 'session', id: 'a.0', value: before.seal('{"s":1}', ref) },
      { type: 'session', id: 'b.0', value: '{"plain":true}' },
    ]);
    const node = unique('node');
    await store.nodes.heartbeat({ id: node, role: 'serve', version: '1', startedAt: LATER }, LATER);
    const request = { from: 'k1', to: 'k2', force: false, liveWithinMs: 15_000, now: LATER };
    await expect(rotateMasterKey(store, request)).rejects.toThrow(RotationRefusedError);
    await store.nodes.remove(node);
    // a wrong old key stops it before anything changed
    await expect(rotateMasterKey(store, { ...request, from: 'wrong' })).rejects.toThrow(
      /MASTER_KEY_MISMATCH/,
    );
    expect(await store.masterKey.authRows()).toEqual(await store.masterKey.authRows());

    const oldDerivation = await store.masterKey.derivation();
    const result = await rotateMasterKey(store, request);
    expect(result.instances).toBeGreaterThanOrEqual(1);
    expect(result.plaintext).toBeGreaterThanOrEqual(1);
    const derivation = await store.masterKey.derivation();
    expect(derivation?.salt).not.toBe(oldDerivation?.salt);
    const after = credentialCipher('k2', derivation);
    for (const row of await store.masterKey.authRows()) expect(row.data).toMatch(/^zg2:/);
    const keys = await store.authState.loadKeys(instanceId, 'session', ['a.0', 'b.0']);
    expect(after.open(keys.get('a.0') ?? '', ref)).toBe('{"s":1}');
    expect(after.open(keys.get('b.0') ?? '', { ...ref, keyId: 'b.0' })).toBe('{"plain":true}');
    expect(() => credentialCipher('k1', derivation).open(keys.get('a.0') ?? '', ref)).toThrow(
      /ZG_ERR_MASTER_KEY_MISMATCH/,
    );
    await store.authState.clear(instanceId);
  });
}
