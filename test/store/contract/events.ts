import { expect, it } from 'vitest';
import type { ContractContext } from './fixture.ts';
import { sleep, unique } from './fixture.ts';

export function instanceEventContract(ctx: () => ContractContext): void {
  it('appends events and lists them newest first', async () => {
    const { instanceEvents } = ctx().store;
    const instanceId = unique('i');
    const data = { from: 'qr', to: 'connected', nested: { list: [1, 'två', null] }, note: 'ok ✓' };
    const first = await instanceEvents.append({
      instanceId,
      tenantId: 'acme',
      type: 'instance.status',
      data,
    });
    const second = await instanceEvents.append({
      instanceId,
      tenantId: 'acme',
      type: 'instance.qr',
      data: {},
    });
    await instanceEvents.append({ instanceId: unique('other'), tenantId: null, type: 'noise', data: {} });
    expect(first).toMatchObject({ instanceId, tenantId: 'acme', type: 'instance.status', data });
    expect(typeof first.id).toBe('number');
    expect(second.id).toBeGreaterThan(first.id);
    expect(first.createdAt).toBeInstanceOf(Date);
    expect(await instanceEvents.list(instanceId)).toEqual([second, first]);
  });

  it('pages with limit and beforeId', async () => {
    const { instanceEvents } = ctx().store;
    const instanceId = unique('i');
    const ids: number[] = [];
    for (let n = 0; n < 5; n++) {
      ids.push((await instanceEvents.append({ instanceId, tenantId: null, type: 'step', data: { n } })).id);
    }
    const newest = ids.toReversed();
    const page = await instanceEvents.list(instanceId, { limit: 2 });
    expect(page.map((e) => e.id)).toEqual(newest.slice(0, 2));
    const next = await instanceEvents.list(instanceId, { limit: 2, beforeId: page.at(-1)?.id ?? 0 });
    expect(next.map((e) => e.data.n)).toEqual([2, 1]);
    expect((await instanceEvents.list(instanceId, { beforeId: ids[1] ?? 0 })).map((e) => e.id)).toEqual([
      ids[0],
    ]);
    expect(await instanceEvents.list(instanceId, { limit: 0 })).toEqual([]);
    expect(await instanceEvents.list(unique('nobody'))).toEqual([]);
  });

  it('deletes the events of one instance', async () => {
    const { instanceEvents } = ctx().store;
    const [gone, kept] = [unique('i'), unique('i')];
    for (let n = 0; n < 3; n++)
      await instanceEvents.append({ instanceId: gone, tenantId: null, type: 't', data: {} });
    await instanceEvents.append({ instanceId: kept, tenantId: null, type: 't', data: {} });
    expect(await instanceEvents.deleteByInstance(gone)).toBe(3);
    expect(await instanceEvents.list(gone)).toEqual([]);
    expect(await instanceEvents.list(kept)).toHaveLength(1);
    expect(await instanceEvents.deleteByInstance(gone)).toBe(0);
  });

  it('deletes events older than a cutoff and keeps newer ones', async () => {
    const { instanceEvents } = ctx().store;
    const instanceId = unique('i');
    await sleep(3);
    await instanceEvents.deleteOlderThan(new Date());
    const old = await instanceEvents.append({ instanceId, tenantId: null, type: 'old', data: {} });
    await sleep(3);
    const cutoff = new Date();
    await sleep(3);
    const fresh = await instanceEvents.append({ instanceId, tenantId: null, type: 'fresh', data: {} });
    expect(old.createdAt.getTime()).toBeLessThan(cutoff.getTime());
    expect(await instanceEvents.deleteOlderThan(cutoff)).toBe(1);
    expect(await instanceEvents.list(instanceId)).toEqual([fresh]);
  });
}
