import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync } from 'node:crypto';
import type { KeyDerivation } from '../store/master-key-repositories.ts';

/**
 * Credentials and Signal keys at rest. With a `MASTER_KEY`, each row is sealed with AES-256-GCM
 * under a key stretched from it by scrypt with the database's own salt, and bound (as additional
 * data) to the row it is written to: a ciphertext copied to another instance or key fails to open.
 *
 * Stored forms, told apart by a prefix:
 * - `zg2:` this scheme;
 * - `zg1:` the first one (SHA-256 of the key, no binding): still opened, upgraded once at boot;
 * - anything else is plaintext (written while no key was set): refused once a key is set, until
 *   `zapgate rotate-master-key` encrypts it, explicitly.
 */
export const SEALED_PREFIX = 'zg2:';
const LEGACY_PREFIX = 'zg1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The row a value is stored in; its ciphertext is bound to it. */
export interface AuthRowRef {
  instanceId: string;
  /** `creds`, or `key` with the Signal key's type and id. */
  kind: 'creds' | 'key';
  type?: string;
  keyId?: string;
}

export interface CredentialCipher {
  /** Whether values are sealed (a master key is set) or stored as they are. */
  readonly sealing: boolean;
  seal(plain: string, row: AuthRowRef): string;
  open(stored: string, row: AuthRowRef): string;
}

/** What a stored value is, by its prefix. */
export function storedForm(stored: string): 'sealed' | 'legacy' | 'plaintext' {
  if (stored.startsWith(SEALED_PREFIX)) return 'sealed';
  if (stored.startsWith(LEGACY_PREFIX)) return 'legacy';
  return 'plaintext';
}

/** Why stored credentials do not open; the code starts the message (an instance's lastError). */
export class CredentialsLockedError extends Error {
  override name = 'CredentialsLockedError';
  constructor(
    readonly code:
      | 'ZG_ERR_MASTER_KEY_REQUIRED'
      | 'ZG_ERR_MASTER_KEY_MISMATCH'
      | 'ZG_ERR_PLAINTEXT_CREDENTIALS',
    detail: string,
  ) {
    super(`${code}: ${detail}`);
  }
}

const SCRYPT = { N: 32_768, r: 8, p: 1 } as const;
const SCRYPT_NAME = `scrypt:N=${SCRYPT.N},r=${SCRYPT.r},p=${SCRYPT.p}`;

/** A new derivation: scrypt's parameters of today and 16 random bytes of salt. */
export function newKeyDerivation(now = new Date()): KeyDerivation {
  return { kdf: SCRYPT_NAME, salt: randomBytes(16).toString('base64'), createdAt: now };
}

/** Stretches the master key as `derivation` says (about 100 ms: once per process). */
export function deriveKey(masterKey: string, derivation: KeyDerivation): Buffer {
  const match = /^scrypt:N=(\d+),r=(\d+),p=(\d+)$/.exec(derivation.kdf);
  if (!match) throw new Error(`unknown key derivation "${derivation.kdf}" in the master_key table`);
  const [N, r, p] = match.slice(1).map(Number) as [number, number, number];
  const salt = Buffer.from(derivation.salt, 'base64');
  return scryptSync(masterKey.normalize('NFC'), salt, 32, { N, r, p, maxmem: 256 * N * r + 1_048_576 });
}

const associatedData = (row: AuthRowRef): Buffer =>
  Buffer.from(JSON.stringify(['zapgate-auth-v2', row.instanceId, row.kind, row.type ?? '', row.keyId ?? '']));

function openGcm(key: Buffer, raw: Buffer, aad: Buffer | undefined): string {
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  if (aad) decipher.setAAD(aad);
  try {
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw new CredentialsLockedError(
      'ZG_ERR_MASTER_KEY_MISMATCH',
      'stored credentials do not open with this MASTER_KEY (a different key, or a row copied from elsewhere)',
    );
  }
}

export interface CipherOptions {
  /** Plaintext rows open even with a key: only `zapgate rotate-master-key` reads them so. */
  acceptPlaintext?: boolean;
}

/**
 * The cipher for one master key (or none) and the database's derivation. `derivation` is needed
 * only with a key.
 */
export function credentialCipher(
  masterKey: string | undefined,
  derivation: KeyDerivation | undefined,
  options: CipherOptions = {},
): CredentialCipher {
  if (!masterKey) return plaintextCipher();
  if (!derivation) throw new Error('a master key needs the database’s key derivation');
  const key = deriveKey(masterKey, derivation);
  const legacyKey = createHash('sha256').update(masterKey, 'utf8').digest();
  return {
    sealing: true,
    seal(plain, row) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(associatedData(row));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return SEALED_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    },
    open(stored, row) {
      const form = storedForm(stored);
      if (form === 'sealed') return openGcm(key, body(stored), associatedData(row));
      if (form === 'legacy') return openGcm(legacyKey, body(stored), undefined);
      if (options.acceptPlaintext) return stored;
      throw new CredentialsLockedError(
        'ZG_ERR_PLAINTEXT_CREDENTIALS',
        'stored credentials are not encrypted but MASTER_KEY is set; encrypt them once with ' +
          '"zapgate rotate-master-key" (NEW_MASTER_KEY may be the same key)',
      );
    },
  };
}

const body = (stored: string): Buffer => Buffer.from(stored.slice(SEALED_PREFIX.length), 'base64');

function plaintextCipher(): CredentialCipher {
  return {
    sealing: false,
    seal: (plain) => plain,
    open(stored) {
      if (storedForm(stored) === 'plaintext') return stored;
      throw new CredentialsLockedError(
        'ZG_ERR_MASTER_KEY_REQUIRED',
        'stored credentials are encrypted: set MASTER_KEY to the key they were written with',
      );
    },
  };
}
