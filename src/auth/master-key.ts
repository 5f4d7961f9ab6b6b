import type { Logger } from '../observability/logger.ts';
import type { AuthRow, Store } from '../store/repositories.ts';
import {
  type AuthRowRef,
  type CredentialCipher,
  CredentialsLockedError,
  credentialCipher,
  newKeyDerivation,
  SEALED_PREFIX,
  storedForm,
} from './credential-cipher.ts';

export const refOf = (row: AuthRow): AuthRowRef => ({
  instanceId: row.instanceId,
  kind: row.kind,
  type: row.type,
  keyId: row.keyId,
});

/**
 * The cipher this process seals credentials with. With a key: the database's derivation (made by
 * the first process to need one), and a one-time upgrade of rows in the first format (`zg1:`) to
 * the current one; plaintext rows are left as they are and named in a warning (they are refused
 * when read, until `zapgate rotate-master-key` encrypts them).
 */
export async function openCredentialCipher(
  store: Store,
  masterKey: string | undefined,
  logger: Logger,
): Promise<CredentialCipher> {
  if (!masterKey) return credentialCipher(undefined, undefined);
  const derivation = await store.masterKey.ensureDerivation(newKeyDerivation());
  const cipher = credentialCipher(masterKey, derivation);
  const { upgraded, unopened, plaintext } = await upgradeLegacyRows(store, cipher);
  if (upgraded) logger.info({ rows: upgraded }, 'credentials re-sealed from the first format (zg1) to zg2');
  if (unopened)
    logger.warn({ rows: unopened }, 'credentials in the first format (zg1) do not open with this MASTER_KEY');
  if (plaintext)
    logger.warn(
      { rows: plaintext },
      'credentials stored unencrypted are refused while MASTER_KEY is set: run "zapgate rotate-master-key" once',
    );
  return cipher;
}

/**
 * Re-seals every `zg1:` row in the current format. Each row is rewritten only if it still holds
 * what was read, so a session writing the same row meanwhile (another node of a fleet) wins.
 */
export async function upgradeLegacyRows(
  store: Store,
  cipher: CredentialCipher,
): Promise<{ upgraded: number; unopened: number; plaintext: number }> {
  const rows = await store.masterKey.authRows(SEALED_PREFIX);
  const rewrites: Array<AuthRow & { next: string }> = [];
  let unopened = 0;
  let plaintext = 0;
  for (const row of rows) {
    if (storedForm(row.data) === 'plaintext') {
      plaintext++;
      continue;
    }
    try {
      rewrites.push({ ...row, next: cipher.seal(cipher.open(row.data, refOf(row)), refOf(row)) });
    } catch (err) {
      if (!(err instanceof CredentialsLockedError)) throw err;
      unopened++;
    }
  }
  return { upgraded: await store.masterKey.rewrite(rewrites), unopened, plaintext };
}
