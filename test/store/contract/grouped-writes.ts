import { expect, it } from 'vitest';
import type { ContractContext } from './fixture.ts';
import { unique } from './fixture.ts';
import { newMessage } from './message-fixture.ts';

/**
 * Writes asked for in the same turn of the event loop commit together on SQLite (group-commit.ts),
 * some of them without a savepoint of their own (one statement). Whatever the grouping, a write
 * that fails fails alone: the others are kept and the failed one leaves nothing.
 */
export function groupedWritesContract(ctx: () => ContractContext): void {
  it('a refused insert among concurrent writes fails alone', async () => {
    const { store } = ctx();
    const instanceId = unique('grouped');
    const taken = newMessage({ instanceId });
    await store.messages.insert(taken);
    const first = newMessage({ instanceId });
    const last = newMessage({ instanceId });
    const results = await Promise.allSettled([
      store.messages.insert(first),
      // the same WhatsApp id again: a unique violation inside the group
      store.messages.insert(newMessage({ instanceId, waMessageId: taken.waMessageId })),
      store.transaction(async (tx) => {
        await tx.messages.insert(last);
        await tx.messages.markSent(last.id, new Date());
      }),
      store.messages.claimNext(instanceId, new Date()),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((await store.messages.get(first.id))?.status).toMatch(/^(queued|sending)$/);
    expect((await store.messages.get(last.id))?.status).toBe('sent');
    const stored = await store.messages.list(instanceId, { limit: 10 });
    expect(stored.items.map((m) => m.id).toSorted()).toEqual([taken.id, first.id, last.id].toSorted());
  });

  it('a transaction that throws undoes only its own writes', async () => {
    const { store } = ctx();
    const instanceId = unique('grouped');
    const kept = newMessage({ instanceId });
    const undone = newMessage({ instanceId });
    const results = await Promise.allSettled([
      store.messages.insert(kept),
      store.transaction(async (tx) => {
        await tx.messages.insert(undone);
        throw new Error('changed my mind');
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect(await store.messages.get(kept.id)).toBeDefined();
    expect(await store.messages.get(undone.id)).toBeUndefined();
  });
}
