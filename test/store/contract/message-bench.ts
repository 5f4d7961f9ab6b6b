import { performance } from 'node:perf_hooks';
import { expect, it } from 'vitest';
import type { NewMessage } from '../../../src/store/repositories.ts';
import type { ContractContext } from './fixture.ts';
import { unique } from './fixture.ts';
import { at, chat, newMessage } from './message-fixture.ts';

const INSTANCES = 20;
const ROWS_PER_INSTANCE = 5_000;
const HISTORY_PER_INSTANCE = 4_000;
const CHATS = 50;
/** Chats whose first queued row waits for a retry, holding the rest of that chat back. */
const HELD_CHATS = 10;
const NOW = at(1_800_000_000_000);

/** One instance's rows: a long sent/received history, then a queue spread over the chats. */
function instanceRows(instanceId: string): NewMessage[] {
  return Array.from({ length: ROWS_PER_INSTANCE }, (_, n) => {
    const history = n < HISTORY_PER_INSTANCE;
    const queuedIndex = n - HISTORY_PER_INSTANCE;
    const held = !history && queuedIndex < HELD_CHATS;
    return newMessage({
      instanceId,
      tenantId: 'bench',
      chatJid: chat(n % CHATS),
      direction: history && n % 2 === 1 ? 'inbound' : 'outbound',
      status: history ? (n % 2 === 1 ? 'received' : 'sent') : 'queued',
      content: { text: `message ${n}` },
      nextAttemptAt: held ? at(NOW.getTime() + 3_600_000) : null,
      createdAt: at(NOW.getTime() - (ROWS_PER_INSTANCE - n) * 1000),
    });
  });
}

const median = (values: number[]): number =>
  values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const fmt = (ms: number): string => `${ms.toFixed(2)} ms`;

async function time<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: performance.now() - start, value };
}

/**
 * Not a timing assertion: checks nextDue answers correctly on a 100k-row table and prints how long
 * it takes, so a missing index shows up as a number in the test output.
 */
export function messageBenchContract(ctx: () => ContractContext): void {
  it('nextDue stays fast with 100k rows across 20 instances', async () => {
    const { store, dialect } = ctx();
    const instances = Array.from({ length: INSTANCES }, () => unique('bench'));
    const insert = await time(async () => {
      let total = 0;
      for (const id of instances) total += await store.messages.insertMany(instanceRows(id));
      return total;
    });
    expect(insert.value).toBe(INSTANCES * ROWS_PER_INSTANCE);

    const calls: number[] = [];
    for (let round = 0; round < 5; round++) {
      for (const id of instances) {
        const { ms, value } = await time(() => store.messages.nextDue(id, NOW));
        calls.push(ms);
        expect(value?.chatJid).toBe(chat((HISTORY_PER_INSTANCE + HELD_CHATS) % CHATS));
      }
    }
    // The first instance's rows are the oldest: the case a badly chosen plan walks the table for.
    const quiet = await time(() => store.messages.list(instances[0] ?? '', { limit: 200 }));
    expect(quiet.value.items).toHaveLength(200);
    const drain = await time(() => drainSome(ctx, instances[0] ?? '', 200));
    const extras = await time(async () => {
      await store.messages.countSentSince(instances[0] ?? '', NOW);
      await store.messages.oldestQueuedAt(undefined, 'bench');
      await store.messages.list(instances[0] ?? '', { limit: 200, chatJid: chat(3) });
    });
    const cleanup = await time(async () => {
      for (const id of instances) await store.messages.deleteByInstance(id);
    });
    console.log(
      `[bench ${dialect}] insertMany 100k: ${fmt(insert.ms)}; nextDue x${calls.length}: median ` +
        `${fmt(median(calls))}, max ${fmt(Math.max(...calls))}; list 200 of the oldest instance: ` +
        `${fmt(quiet.ms)}; 200 x (nextDue+claim+markSent): ` +
        `${fmt(drain.ms)}; countSentSince+oldestQueuedAt+list: ${fmt(extras.ms)}; ` +
        `deleteByInstance x20: ${fmt(cleanup.ms)}`,
    );
  });
}

/** Sends `count` rows of one instance the way the outbox worker does, checking per-chat order. */
async function drainSome(ctx: () => ContractContext, instanceId: string, count: number): Promise<void> {
  const { messages } = ctx().store;
  const lastSeqOfChat = new Map<string, number>();
  for (let n = 0; n < count; n++) {
    const next = await messages.nextDue(instanceId, NOW);
    if (!next) throw new Error(`nothing due after ${n} rows`);
    expect(next.seq).toBeGreaterThan(lastSeqOfChat.get(next.chatJid) ?? 0);
    lastSeqOfChat.set(next.chatJid, next.seq);
    expect(await messages.claim(next.id, NOW)).toBe(true);
    await messages.markSent(next.id, NOW);
  }
}
