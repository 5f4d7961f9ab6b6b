import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../store/database.ts';
import type { Store } from '../store/repositories.ts';
import { fencedAuthState, LeaseLostError } from './fenced-auth-state.ts';

let dir: string;
let store: Store;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zg-fence-'));
  store = await openStore(`sqlite://${dir}/fence.db`);
});
afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('fenced auth state', () => {
  it('writes while the lease is held and refuses every write once it is not, reads still free', async () => {
    let held = true;
    const auth = fencedAuthState(store.authState, () => held);
    await auth.saveCreds('i-1', 'first');
    await auth.writeKeys('i-1', [{ type: 'session', id: 'a', value: 'k' }]);
    held = false;
    await expect(auth.saveCreds('i-1', 'stale')).rejects.toBeInstanceOf(LeaseLostError);
    await expect(auth.writeKeys('i-1', [{ type: 'session', id: 'a', value: 'x' }])).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    await expect(auth.clear('i-1')).rejects.toBeInstanceOf(LeaseLostError);
    expect(await auth.loadCreds('i-1')).toBe('first');
    expect((await auth.loadKeys('i-1', 'session', ['a'])).get('a')).toBe('k');
  });
});
