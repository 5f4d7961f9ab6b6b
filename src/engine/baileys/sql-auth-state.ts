import {
  type AuthenticationCreds,
  type AuthenticationState,
  BufferJSON,
  initAuthCreds,
  proto,
  type SignalDataSet,
  type SignalDataTypeMap,
  type SignalKeyStore,
} from 'baileys';
import { LRUCache } from 'lru-cache';
import type { AuthRowRef, CredentialCipher } from '../../auth/credential-cipher.ts';
import type { AuthStateRepository } from '../../store/repositories.ts';

/** Recently used keys per instance; the rest (hundreds of unused pre-keys) stay in SQL. */
const CACHE_ENTRIES = 256;
const MISSING = Symbol('missing');
type Cached = unknown | typeof MISSING;

// each value is sealed bound to its row: the instance, and which key (or the credentials) it is
const encode = (cipher: CredentialCipher, value: unknown, row: AuthRowRef) =>
  cipher.seal(JSON.stringify(value, BufferJSON.replacer), row);
const decode = (cipher: CredentialCipher, stored: string, row: AuthRowRef): unknown =>
  JSON.parse(cipher.open(stored, row), BufferJSON.reviver);
const keyRow = (instanceId: string, type: string, keyId: string): AuthRowRef => ({
  instanceId,
  kind: 'key',
  type,
  keyId,
});

function revive<T extends keyof SignalDataTypeMap>(type: T, value: unknown): SignalDataTypeMap[T] {
  if (type === 'app-state-sync-key' && value) {
    return proto.Message.AppStateSyncKeyData.fromObject(value as object) as unknown as SignalDataTypeMap[T];
  }
  return value as SignalDataTypeMap[T];
}

export interface SqlAuthState {
  state: AuthenticationState;
  saveCreds: () => Promise<void>;
  /**
   * The credentials are about to be forgotten: waits for the writes under way, and drops any asked
   * for later. A socket logged out goes on writing for a while (a message it was decrypting, the
   * credentials of its close), and those writes brought keys back after the delete.
   */
  end: () => Promise<void>;
  /** The writes under way have landed (or failed); later ones still go. */
  settled: () => Promise<void>;
}

/**
 * Baileys' auth state in SQL: credentials in `auth_creds`, Signal keys in `auth_keys`, scoped by
 * instance. Baileys batches a transaction's writes into one `set`, which is one SQL transaction.
 */
export async function loadSqlAuthState(
  repo: AuthStateRepository,
  instanceId: string,
  cipher: CredentialCipher,
): Promise<SqlAuthState> {
  const stored = await repo.loadCreds(instanceId);
  const credsRow: AuthRowRef = { instanceId, kind: 'creds' };
  const creds = stored ? (decode(cipher, stored, credsRow) as AuthenticationCreds) : initAuthCreds();
  const cache = new LRUCache<string, { v: Cached }>({ max: CACHE_ENTRIES });
  const writing = new Set<Promise<void>>();
  let ended = false;
  const track = (write: Promise<void>): Promise<void> => {
    writing.add(write);
    write.finally(() => writing.delete(write)).catch(() => undefined);
    return write;
  };
  const keys: SignalKeyStore = {
    async get(type, ids) {
      const out: { [id: string]: SignalDataTypeMap[typeof type] } = {};
      const missing = ids.filter((id) => !cache.has(`${type}:${id}`));
      if (missing.length) {
        const rows = await repo.loadKeys(instanceId, type, missing);
        for (const id of missing) {
          const row = rows.get(id);
          cache.set(`${type}:${id}`, {
            v: row === undefined ? MISSING : decode(cipher, row, keyRow(instanceId, type, id)),
          });
        }
      }
      for (const id of ids) {
        const hit = cache.get(`${type}:${id}`)?.v;
        if (hit !== undefined && hit !== MISSING) out[id] = revive(type, hit);
      }
      return out;
    },
    async set(data: SignalDataSet) {
      if (ended) return;
      const entries: Array<{ type: string; id: string; value: string | null }> = [];
      for (const [type, byId] of Object.entries(data)) {
        for (const [id, value] of Object.entries(byId ?? {})) {
          entries.push({
            type,
            id,
            value: value ? encode(cipher, value, keyRow(instanceId, type, id)) : null,
          });
        }
      }
      await track(repo.writeKeys(instanceId, entries));
      for (const [type, byId] of Object.entries(data)) {
        for (const [id, value] of Object.entries(byId ?? {}))
          cache.set(`${type}:${id}`, { v: value ?? MISSING });
      }
    },
  };
  return {
    state: { creds, keys },
    saveCreds: async () => {
      if (!ended) await track(repo.saveCreds(instanceId, encode(cipher, creds, credsRow)));
    },
    end: async () => {
      ended = true;
      await Promise.allSettled([...writing]);
    },
    settled: async () => {
      await Promise.allSettled([...writing]);
    },
  };
}
