import { describe, expect, it } from 'vitest';
import { legacySeal } from '../../test/support/legacy-seal.ts';
import {
  type AuthRowRef,
  CredentialsLockedError,
  credentialCipher,
  newKeyDerivation,
} from './credential-cipher.ts';

const KEY = 'operator secret';
const derivation = newKeyDerivation();
const creds: AuthRowRef = { instanceId: 'inst-a', kind: 'creds' };
const preKey: AuthRowRef = { instanceId: 'inst-a', kind: 'key', type: 'pre-key', keyId: '7' };

const codeOf = (work: () => unknown): string | undefined => {
  try {
    work();
  } catch (err) {
    return err instanceof CredentialsLockedError ? err.code : `not coded: ${String(err)}`;
  }
  return undefined;
};

describe('credential cipher', () => {
  const cipher = credentialCipher(KEY, derivation);

  it('seals as zg2 and opens in the same row', () => {
    const sealed = cipher.seal('{"me":"15550001111"}', creds);
    expect(sealed).toMatch(/^zg2:/);
    expect(sealed).not.toContain('15550001111');
    expect(cipher.open(sealed, creds)).toBe('{"me":"15550001111"}');
  });

  it('refuses a ciphertext copied to another instance, another key id or another kind of row', () => {
    const sealed = cipher.seal('secret', preKey);
    expect(codeOf(() => cipher.open(sealed, { ...preKey, instanceId: 'inst-b' }))).toBe(
      'ZG_ERR_MASTER_KEY_MISMATCH',
    );
    expect(codeOf(() => cipher.open(sealed, { ...preKey, keyId: '8' }))).toBe('ZG_ERR_MASTER_KEY_MISMATCH');
    expect(codeOf(() => cipher.open(sealed, { ...preKey, type: 'session' }))).toBe(
      'ZG_ERR_MASTER_KEY_MISMATCH',
    );
    expect(codeOf(() => cipher.open(sealed, creds))).toBe('ZG_ERR_MASTER_KEY_MISMATCH');
  });

  it('stretches the key with the database’s salt: another salt or key does not open it', () => {
    const sealed = cipher.seal('secret', creds);
    expect(codeOf(() => credentialCipher(KEY, newKeyDerivation()).open(sealed, creds))).toBe(
      'ZG_ERR_MASTER_KEY_MISMATCH',
    );
    expect(codeOf(() => credentialCipher('another', derivation).open(sealed, creds))).toBe(
      'ZG_ERR_MASTER_KEY_MISMATCH',
    );
  });

  it('still opens rows of the first format (zg1) with the same key', () => {
    expect(cipher.open(legacySeal(KEY, '{"old":true}'), preKey)).toBe('{"old":true}');
    expect(codeOf(() => cipher.open(legacySeal('another', '{}'), preKey))).toBe('ZG_ERR_MASTER_KEY_MISMATCH');
  });

  it('refuses plaintext rows once a key is set, unless told to accept them (rotation)', () => {
    expect(codeOf(() => cipher.open('{"plain":true}', creds))).toBe('ZG_ERR_PLAINTEXT_CREDENTIALS');
    const rotating = credentialCipher(KEY, derivation, { acceptPlaintext: true });
    expect(rotating.open('{"plain":true}', creds)).toBe('{"plain":true}');
  });

  it('without a key, stores values as they are and asks for the key for sealed ones', () => {
    const none = credentialCipher(undefined, undefined);
    expect(none.seal('{"a":1}', creds)).toBe('{"a":1}');
    expect(none.open('{"a":1}', creds)).toBe('{"a":1}');
    expect(codeOf(() => none.open(cipher.seal('x', creds), creds))).toBe('ZG_ERR_MASTER_KEY_REQUIRED');
    expect(codeOf(() => none.open(legacySeal(KEY, 'x'), creds))).toBe('ZG_ERR_MASTER_KEY_REQUIRED');
  });
});
