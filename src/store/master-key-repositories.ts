/** The store's side of sealing credentials under `MASTER_KEY` (see src/auth/credential-cipher.ts). */

/** How `MASTER_KEY` is stretched for this database: the KDF with its parameters, and a salt. */
export interface KeyDerivation {
  /** `scrypt:N=32768,r=8,p=1` */
  kdf: string;
  /** base64 */
  salt: string;
  createdAt: Date;
}

/** One stored row of an instance's auth state: its credentials, or one of its Signal keys. */
export interface AuthRow {
  instanceId: string;
  /** `creds` for the credentials row (type and keyId empty), `key` for a Signal key. */
  kind: 'creds' | 'key';
  type: string;
  keyId: string;
  data: string;
}

export interface MasterKeyRepository {
  derivation(): Promise<KeyDerivation | undefined>;
  /** Stores `candidate` unless a derivation is already there; returns the one in force. */
  ensureDerivation(candidate: KeyDerivation): Promise<KeyDerivation>;
  /** Puts `next` in place of the derivation in force (a rotation, in its transaction). */
  replaceDerivation(next: KeyDerivation): Promise<void>;
  /** Auth rows of every instance, but those whose data starts with `skipPrefix` when given. */
  authRows(skipPrefix?: string): Promise<AuthRow[]>;
  /**
   * Writes each row's `next` data where the row still holds `data` (a row written meanwhile is
   * left alone), in one transaction; returns how many rows changed.
   */
  rewrite(rows: ReadonlyArray<AuthRow & { next: string }>): Promise<number>;
}
