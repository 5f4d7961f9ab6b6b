import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../../src/store/database.ts';
import type { ContractContext } from './fixture.ts';
import { signal, sleep, unique } from './fixture.ts';
import { at, chat, newMessage } from './message-fixture.ts';

const NOW = at(1_800_000_000_000);
const later = (ms: number): Date => at(NOW.getTime() + ms);

/** Runs one statement on a connection of its own, as another node's migration would. */
async function runElsewhere(url: string, statement: string): Promise<void> {
  const target = parseDatabaseUrl(url);
  if (target.dialect === 'sqlite') {
    const sqlite = new BetterSqlite3(target.path);
    try {
      sqlite.pragma('busy_timeout = 5000');
      sqlite.exec(statement);
    } finally {
      sqlite.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** The outbox's hot statements, which PostgreSQL gets as named prepared statements. */
export function outboxPreparedContract(ctx: () => ContractContext): void {
  it('nextScheduledAt gives the soonest time after now among queued rows, nothing when there is none', async () => {
    const { messages } = ctx().store;
    const instanceId = unique('i');
    expect(await messages.nextScheduledAt(instanceId, NOW)).toBeUndefined();
    await messages.insert(newMessage({ instanceId, nextAttemptAt: later(-5) }));
    await messages.insert(newMessage({ instanceId }));
    expect(await messages.nextScheduledAt(instanceId, NOW)).toBeUndefined();
    await messages.insert(newMessage({ instanceId, nextAttemptAt: later(30) }));
    await messages.insert(newMessage({ instanceId, nextAttemptAt: later(20) }));
    const sending = await messages.insert(newMessage({ instanceId, nextAttemptAt: later(10) }));
    await messages.claim(sending.message.id, later(10));
    await messages.insert(newMessage({ instanceId: unique('other'), nextAttemptAt: later(1) }));
    expect(await messages.nextScheduledAt(instanceId, NOW)).toEqual(later(20));
    expect(await messages.nextScheduledAt(instanceId, later(20))).toEqual(later(30));
    expect(await messages.nextScheduledAt(instanceId, later(30))).toBeUndefined();
  });

  it('oldestQueuedAt of the rows without a tenant', async () => {
    const { messages } = ctx().store;
    const instanceId = unique('i');
    await messages.insert(newMessage({ instanceId, tenantId: null, createdAt: at(8) }));
    await messages.insert(newMessage({ instanceId, tenantId: unique('t'), createdAt: at(7) }));
    const none = await messages.oldestQueuedAt(undefined, null);
    expect(none && none <= at(8) && none.getTime() !== 7).toBe(true);
    expect(await messages.oldestQueuedAt(instanceId, null)).toEqual(at(8));
  });

  it('a claim never takes a row that another transaction cancels while the claim runs', async () => {
    const { store } = ctx();
    const instanceId = unique('i');
    const head = await store.messages.insert(newMessage({ instanceId, chatJid: chat(1) }));
    const second = await store.messages.insert(newMessage({ instanceId, chatJid: chat(1) }));
    const other = await store.messages.insert(newMessage({ instanceId, chatJid: chat(2) }));
    const cancelled = signal();
    const released = signal();
    const cancel = store.transaction(async (tx) => {
      await tx.messages.markFailed(head.message.id, 'ZG_ERR_CANCELLED', 'cancelled', NOW);
      cancelled.reach();
      await released.reached;
    });
    await cancelled.reached;
    const claiming = store.messages.claimNext(instanceId, NOW);
    await Promise.race([claiming, sleep(300)]);
    released.reach();
    await cancel;
    // PostgreSQL: the claim reached the head row and waited for its lock, then passed over it; the
    // chat's next row, behind a head its snapshot still saw queued, waits for the next claim.
    // SQLite: the claim waited for the writer, and the cancelled head holds its chat back no more.
    const expected = store.dialect === 'postgres' ? other : second;
    expect((await claiming)?.id).toBe(expected.message.id);
    expect(await store.messages.get(head.message.id)).toMatchObject({ status: 'failed', attempts: 0 });
  });

  it('every outbox statement still answers after another node adds a column to messages', async () => {
    const { store, url } = ctx();
    const { messages } = store;
    const instanceId = unique('i');
    const ask = async (n: number) => {
      const expiring = await messages.insert(newMessage({ instanceId, chatJid: chat(n), expiresAt: NOW }));
      await messages.insert(newMessage({ instanceId, chatJid: chat(n), nextAttemptAt: later(5) }));
      expect(await messages.expireDue(instanceId, NOW)).toEqual([expiring.message.id]);
      expect(await messages.expireDue(instanceId, NOW)).toEqual([]);
      const next = await messages.insert(newMessage({ instanceId, chatJid: chat(n) }));
      expect((await messages.nextDue(instanceId, NOW))?.id).toBe(next.message.id);
      expect((await messages.claimNext(instanceId, NOW))?.id).toBe(next.message.id);
      expect(await messages.markSent(next.message.id, NOW)).toMatchObject({ status: 'sent', sentAt: NOW });
      const receipt = await messages.applyReceipt(instanceId, next.message.waMessageId, 'delivered', NOW);
      expect(receipt).toMatchObject({ status: 'delivered', deliveredAt: NOW });
      expect(await messages.nextScheduledAt(instanceId, NOW)).toEqual(later(5));
      expect(await messages.countSentSince(instanceId, NOW)).toBe(n);
      expect(await messages.oldestQueuedAt(instanceId)).toBeInstanceOf(Date);
    };
    // several rounds, so that PostgreSQL has settled on the plan it keeps before the change
    for (let n = 1; n <= 6; n++) await ask(n);
    const column = `zg_probe_${unique('c').replace(/\W/g, '_')}`;
    await runElsewhere(url, `alter table messages add column ${column} text`);
    try {
      await ask(7);
    } finally {
      await runElsewhere(url, `alter table messages drop column ${column}`);
    }
    await ask(8);
  });
}
