import { type AuthenticationState, BufferJSON, initAuthCreds, type SignalDataTypeMap } from 'baileys';

/**
 * Baileys credentials and Signal keys held in memory, serialisable like a saved session: `snapshot()`
 * and `fromSnapshot()` stand in for an auth folder between connections.
 */
export class MemoryAuth {
  readonly state: AuthenticationState;
  private readonly keys = new Map<string, unknown>();

  constructor(creds = initAuthCreds()) {
    this.state = {
      creds,
      keys: {
        get: async <T extends keyof SignalDataTypeMap>(type: T, ids: string[]) => {
          const out: { [id: string]: SignalDataTypeMap[T] } = {};
          for (const id of ids) {
            const value = this.keys.get(`${type}:${id}`);
            if (value !== undefined) out[id] = value as SignalDataTypeMap[T];
          }
          return out;
        },
        set: async (data) => {
          for (const [type, entries] of Object.entries(data)) {
            for (const [id, value] of Object.entries(entries ?? {})) {
              if (value === null || value === undefined) this.keys.delete(`${type}:${id}`);
              else this.keys.set(`${type}:${id}`, value);
            }
          }
        },
      },
    };
  }

  snapshot(): string {
    return JSON.stringify({ creds: this.state.creds, keys: [...this.keys] }, BufferJSON.replacer);
  }

  static fromSnapshot(json: string): MemoryAuth {
    const parsed = JSON.parse(json, BufferJSON.reviver) as {
      creds: AuthenticationState['creds'];
      keys: [string, unknown][];
    };
    const auth = new MemoryAuth(parsed.creds);
    for (const [k, v] of parsed.keys) auth.keys.set(k, v);
    return auth;
  }
}
