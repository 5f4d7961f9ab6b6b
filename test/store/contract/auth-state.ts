import { expect, it } from 'vitest';
import type { ContractContext } from './fixture.ts';
import { unique } from './fixture.ts';

const PRE_KEYS = 1800;
const SESSIONS = 200;

const keyValue = (type: string, id: string) =>
  JSON.stringify({ type, id, pub: `BQ${id}`.repeat(8), note: 'ключ 🔑' });

export function authStateContract(ctx: () => ContractContext): void {
  it('saves, loads and overwrites credentials', async () => {
    const { authState } = ctx().store;
    const instanceId = unique('i');
    expect(await authState.loadCreds(instanceId)).toBeUndefined();
    const creds = JSON.stringify({
      noiseKey: { private: 'A'.repeat(44) },
      me: { name: 'Zé 😀' },
      big: 'x'.repeat(200_000),
    });
    await authState.saveCreds(instanceId, creds);
    expect(await authState.loadCreds(instanceId)).toBe(creds);
    await authState.saveCreds(instanceId, '{"registered":true}');
    expect(await authState.loadCreds(instanceId)).toBe('{"registered":true}');
  });

  it('writes 2000 keys in one call and loads them by 2000 ids', async () => {
    const { authState } = ctx().store;
    const instanceId = unique('i');
    const entries = [
      ...Array.from({ length: PRE_KEYS }, (_, n) => ({ type: 'pre-key', id: String(n + 1) })),
      ...Array.from({ length: SESSIONS }, (_, n) => ({ type: 'session', id: `5511${n}.0` })),
    ].map((e) => ({ ...e, value: keyValue(e.type, e.id) }));
    await authState.writeKeys(instanceId, entries);
    expect(await authState.countKeys(instanceId)).toBe(PRE_KEYS + SESSIONS);
    const wanted = [...Array.from({ length: PRE_KEYS }, (_, n) => String(n + 1)), ...['0', '9999', 'nope']];
    const preKeys = await authState.loadKeys(instanceId, 'pre-key', [...wanted, ...Array(197).fill('1')]);
    expect(preKeys.size).toBe(PRE_KEYS);
    expect(preKeys.get('1')).toBe(keyValue('pre-key', '1'));
    expect(preKeys.get(String(PRE_KEYS))).toBe(keyValue('pre-key', String(PRE_KEYS)));
    expect(preKeys.has('9999')).toBe(false);
    const sessions = await authState.loadKeys(instanceId, 'session', ['55110.0', '1']);
    expect([...sessions.keys()]).toEqual(['55110.0']);
    expect(await authState.loadKeys(instanceId, 'pre-key', [])).toEqual(new Map());
  });

  it('single keys written at once by several instances each land, the last value of a key winning', async () => {
    const { authState } = ctx().store;
    const [a, b] = [unique('i'), unique('i')];
    await Promise.all([
      authState.writeKeys(a, [{ type: 'session', id: '5511.0', value: 'a1' }]),
      authState.writeKeys(b, [{ type: 'session', id: '5511.0', value: 'b1' }]),
      authState.writeKeys(a, [{ type: 'session', id: '5511.0', value: 'a2' }]),
      authState.writeKeys(a, [{ type: 'sender-key', id: 'g@g.us::x::0', value: 'sk' }]),
    ]);
    expect(await authState.loadKeys(a, 'session', ['5511.0'])).toEqual(new Map([['5511.0', 'a2']]));
    expect(await authState.loadKeys(b, 'session', ['5511.0'])).toEqual(new Map([['5511.0', 'b1']]));
    expect(await authState.countKeys(a)).toBe(2);
  });

  it('writes and deletes (value null) in one call; the last entry for a key wins', async () => {
    const { authState } = ctx().store;
    const instanceId = unique('i');
    await authState.writeKeys(instanceId, [
      { type: 'pre-key', id: '1', value: 'one' },
      { type: 'pre-key', id: '2', value: 'two' },
      { type: 'sender-key', id: 'g@g.us::a::0', value: 'sk' },
    ]);
    await authState.writeKeys(instanceId, [
      { type: 'pre-key', id: '1', value: null },
      { type: 'pre-key', id: '2', value: 'TWO' },
      { type: 'pre-key', id: '3', value: 'three' },
      { type: 'pre-key', id: '3', value: null },
      { type: 'sender-key', id: 'g@g.us::a::0', value: null },
      { type: 'sender-key', id: 'g@g.us::a::0', value: 'sk2' },
      { type: 'session', id: 'never-written', value: null },
    ]);
    const preKeys = await authState.loadKeys(instanceId, 'pre-key', ['1', '2', '3']);
    expect(Object.fromEntries(preKeys)).toEqual({ '2': 'TWO' });
    expect(await authState.loadKeys(instanceId, 'sender-key', ['g@g.us::a::0'])).toEqual(
      new Map([['g@g.us::a::0', 'sk2']]),
    );
    expect(await authState.countKeys(instanceId)).toBe(2);
    await authState.writeKeys(instanceId, []);
    expect(await authState.countKeys(instanceId)).toBe(2);
  });

  it('keeps instances apart and clears one without touching the other', async () => {
    const { authState } = ctx().store;
    const [a, b] = [unique('a'), unique('b')];
    await authState.saveCreds(a, 'creds-a');
    await authState.saveCreds(b, 'creds-b');
    await authState.writeKeys(a, [{ type: 'pre-key', id: '1', value: 'a1' }]);
    await authState.writeKeys(b, [
      { type: 'pre-key', id: '1', value: 'b1' },
      { type: 'pre-key', id: '2', value: 'b2' },
    ]);
    expect((await authState.loadKeys(a, 'pre-key', ['1', '2'])).get('1')).toBe('a1');
    expect(await authState.countKeys(a)).toBe(1);
    await authState.clear(a);
    expect(await authState.loadCreds(a)).toBeUndefined();
    expect(await authState.countKeys(a)).toBe(0);
    expect(await authState.loadCreds(b)).toBe('creds-b');
    expect(Object.fromEntries(await authState.loadKeys(b, 'pre-key', ['1', '2']))).toEqual({
      '1': 'b1',
      '2': 'b2',
    });
  });
}
