import { expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/store/repositories.ts';
import type { ContractContext } from './fixture.ts';
import { expectCode, signal, sleep, unique } from './fixture.ts';
import { at } from './message-fixture.ts';

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

/** The stored gateway events (`store.events`): replay after a seq, and retention. */
export function eventContract(ctx: () => ContractContext): void {
  const event = (overrides: Partial<Omit<StoredEvent, 'seq'>> = {}): Omit<StoredEvent, 'seq'> => {
    const id = unique('ev');
    return {
      id,
      instanceId: 'instance',
      tenantId: null,
      event: 'message.received',
      envelope: JSON.stringify({ id, event: 'message.received', data: { text: 'Olá 👋🏽 \u0000 "q"' } }),
      createdAt: at(1_700_000_000_000),
      ...overrides,
    };
  };

  /** The event as stored, with the seq it was given when its transaction committed. */
  const storedAs = async (id: string): Promise<StoredEvent | undefined> => {
    const { events } = ctx().store;
    const seq = await events.findSeqById(id);
    return seq === undefined ? undefined : (await events.listAfter(seq - 1, { limit: 1 }))[0];
  };
  const append = async (input: Omit<StoredEvent, 'seq'>): Promise<StoredEvent> => {
    await ctx().store.events.append(input);
    const stored = await storedAs(input.id);
    if (!stored) throw new Error(`event ${input.id} was not stored`);
    return stored;
  };

  it('appends events with growing seqs and reads them back exactly', async () => {
    const { events } = ctx().store;
    const input = event({ tenantId: 'acme', createdAt: at(1_700_000_000_123) });
    const first = await append(input);
    const second = await append(event());
    expect(first).toEqual({ ...input, seq: first.seq });
    expect(typeof first.seq).toBe('number');
    expect(second.seq).toBeGreaterThan(first.seq);
    expect(await events.listAfter(first.seq - 1, { limit: 2 })).toEqual([first, second]);
    await expectCode(events.append(event({ id: input.id })), 'ZG_ERR_CONFLICT', /already exists/);
  });

  it('appendMany stores events in their order with rising seqs, in one transaction', async () => {
    const { store } = ctx();
    const { events } = store;
    const batch = Array.from({ length: 5 }, (_, n) => event({ instanceId: `batch-${n}` }));
    await events.appendMany(batch);
    const stored = await Promise.all(batch.map((e) => storedAs(e.id)));
    expect(stored.map((e) => ({ ...e, seq: 0 }))).toEqual(batch.map((e) => ({ ...e, seq: 0 })));
    const seqs = stored.map((e) => e?.seq ?? 0);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(5);
    expect(await events.listAfter((seqs[0] ?? 0) - 1, { limit: 5 })).toEqual(stored);
    await events.appendMany([]);
    // a taken id refuses the whole batch: none of it is stored
    const fresh = event();
    await expectCode(
      events.appendMany([fresh, event({ id: batch[0]?.id })]),
      'ZG_ERR_CONFLICT',
      /already exist/,
    );
    expect(await events.findSeqById(fresh.id)).toBeUndefined();
    await store.transaction((tx) => tx.events.appendMany([fresh]));
    expect(await storedAs(fresh.id)).toEqual({ ...fresh, seq: expect.any(Number) });
  });

  it('listAfter goes oldest first after a seq, filtered by tenant and instances, up to a limit', async () => {
    const { events } = ctx().store;
    const [tenant, other, i1, i2, i3] = [unique('t'), unique('t'), unique('i'), unique('i'), unique('i')];
    const specs = [
      { tenantId: tenant, instanceId: i1 },
      { tenantId: null, instanceId: i3 },
      { tenantId: tenant, instanceId: i2 },
      { tenantId: other, instanceId: i3 },
      { tenantId: tenant, instanceId: i1 },
    ];
    const stored: StoredEvent[] = [];
    for (const spec of specs) stored.push(await append(event(spec)));
    const start = (stored[0]?.seq ?? 0) - 1;
    const positions = async (filter: Parameters<typeof events.listAfter>[1], after = start) =>
      (await events.listAfter(after, filter)).map((e) => stored.findIndex((s) => s.seq === e.seq));
    expect(await positions({ limit: 10 })).toEqual([0, 1, 2, 3, 4]);
    expect(await positions({ limit: 2 })).toEqual([0, 1]);
    expect(await positions({ limit: 10 }, stored[2]?.seq)).toEqual([3, 4]);
    expect(await positions({ tenantId: tenant, limit: 10 })).toEqual([0, 2, 4]);
    expect(await positions({ tenantId: null, limit: 10 })).toEqual([1]);
    expect(await positions({ instanceIds: [i3], limit: 10 })).toEqual([1, 3]);
    expect(await positions({ tenantId: tenant, instanceIds: [i1, i3], limit: 10 })).toEqual([0, 4]);
    expect(await positions({ tenantId: tenant, instanceIds: [i1], limit: 1 }, stored[0]?.seq)).toEqual([4]);
    expect(await positions({ instanceIds: [], limit: 10 })).toEqual([]);
    expect(await positions({ limit: 0 })).toEqual([]);
    expect(await positions({ limit: 10 }, stored[4]?.seq)).toEqual([]);
  });

  it('gives seqs in the order transactions commit, so a reader resuming after one misses none', async () => {
    const { store } = ctx();
    const [early, late, after] = [event(), event(), event()];
    const before = await append(event());
    const appended = signal();
    const released = signal();
    // One transaction appends first, then stays open while a second one appends and commits.
    const slow = store.transaction(async (tx) => {
      await tx.events.append(early);
      appended.reach();
      await released.reached;
    });
    await appended.reached;
    const fast = store.transaction((tx) => tx.events.append(late));
    await Promise.race([fast, sleep(300)]);
    // a reader between the commits sees what has committed (on SQLite it waits for the open
    // transaction), and resumes after the last it saw
    const reading = store.events.listAfter(before.seq, { limit: 100 });
    await sleep(50);
    released.reach();
    await Promise.all([slow, fast]);
    const seen = (await reading).map((e) => e.id);
    await append(after);
    const last = seen.length > 0 ? ((await store.events.findSeqById(seen.at(-1) ?? '')) ?? 0) : before.seq;
    const resumed = (await store.events.listAfter(last, { limit: 100 })).map((e) => e.id);
    expect([...seen, ...resumed].toSorted()).toEqual([early.id, late.id, after.id].toSorted());
    expect(resumed.at(-1)).toBe(after.id);
    // PostgreSQL: the second committed while the first was open, and the first came after it.
    // SQLite: one writing transaction at a time, so the second waited for the first.
    if (store.dialect === 'postgres') expect(seen).toEqual([late.id]);
    else expect(seen[0] ?? early.id).toBe(early.id);
  });

  it('finds the seq of an event by its id', async () => {
    const { events } = ctx().store;
    const input = event();
    await events.append(input);
    // the newest committed event: its seq is the highest
    expect(await events.findSeqById(input.id)).toBe(await events.lastSeq());
    expect(await events.findSeqById(unique('missing'))).toBeUndefined();
  });

  it('deletes events created before a cutoff and keeps newer ones', async () => {
    const { events } = ctx().store;
    const cutoff = at(1_000_000_000_000);
    await events.deleteOlderThan(cutoff);
    const old = [
      await append(event({ createdAt: at(999_999_999_000) })),
      await append(event({ createdAt: at(999_999_999_999) })),
    ];
    const fresh = await append(event({ createdAt: cutoff }));
    expect(await events.deleteOlderThan(cutoff)).toBe(2);
    expect(await events.findSeqById(old[0]?.id ?? '')).toBeUndefined();
    expect(await events.findSeqById(old[1]?.id ?? '')).toBeUndefined();
    expect(await events.findSeqById(fresh.id)).toBe(fresh.seq);
    expect(await events.deleteOlderThan(cutoff)).toBe(0);
  });
}
