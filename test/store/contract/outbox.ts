import { expect, it } from 'vitest';
import { openStore } from '../../../src/store/database.ts';
import type { NewMessage } from '../../../src/store/repositories.ts';
import type { ContractContext } from './fixture.ts';
import { unique } from './fixture.ts';
import { at, chat, inbound, newMessage } from './message-fixture.ts';

const NOW = at(1_800_000_000_000);
const later = (ms: number): Date => at(NOW.getTime() + ms);

export function outboxContract(ctx: () => ContractContext): void {
  /** Queues rows on a fresh instance; returns the instance and the ids in insertion order. */
  const queue = async (specs: Array<Partial<NewMessage>>): Promise<{ instanceId: string; ids: string[] }> => {
    const instanceId = unique('i');
    const ids: string[] = [];
    for (const spec of specs) {
      ids.push((await ctx().store.messages.insert(newMessage({ instanceId, ...spec }))).message.id);
    }
    return { instanceId, ids };
  };

  it('nextDue goes FIFO by seq and holds a chat while its older row is being sent', async () => {
    const { messages } = ctx().store;
    const { instanceId, ids } = await queue([
      { chatJid: chat(1), createdAt: later(50) },
      { chatJid: chat(2), createdAt: later(-50) },
      { chatJid: chat(1) },
    ]);
    const [a1, b1, a2] = ids;
    expect((await messages.nextDue(instanceId, NOW))?.id).toBe(a1);
    expect(await messages.claim(a1 ?? '', NOW)).toBe(true);
    expect((await messages.nextDue(instanceId, NOW))?.id).toBe(b1);
    expect(await messages.claim(b1 ?? '', NOW)).toBe(true);
    expect(await messages.nextDue(instanceId, NOW)).toBeUndefined();
    await messages.markSent(a1 ?? '', NOW);
    expect((await messages.nextDue(instanceId, NOW))?.id).toBe(a2);
    expect(await messages.nextDue(unique('empty'), NOW)).toBeUndefined();
  });

  it('claimNext takes what nextDue gives, moving it to sending, and holds a chat the same way', async () => {
    const { messages } = ctx().store;
    const { instanceId, ids } = await queue([
      { chatJid: chat(1) },
      { chatJid: chat(1) },
      { chatJid: chat(2), expiresAt: later(-1) },
      { chatJid: chat(3), nextAttemptAt: later(5) },
    ]);
    const [a1, a2, , c1] = ids;
    const first = await messages.claimNext(instanceId, NOW);
    expect(first).toMatchObject({ id: a1, status: 'sending', attempts: 1, updatedAt: NOW });
    expect(first).toEqual(await messages.get(a1 ?? ''));
    expect(await messages.claimNext(instanceId, NOW)).toBeUndefined();
    await messages.markSent(a1 ?? '', NOW);
    expect((await messages.claimNext(instanceId, NOW))?.id).toBe(a2);
    expect((await messages.claimNext(instanceId, later(5)))?.id).toBe(c1);
    expect(await messages.claimNext(instanceId, later(5))).toBeUndefined();
    expect(await messages.claimNext(unique('empty'), NOW)).toBeUndefined();
  });

  it('a row waiting for a retry holds back only later rows of its own chat', async () => {
    const { messages } = ctx().store;
    const { instanceId, ids } = await queue([
      { chatJid: chat(1) },
      { chatJid: chat(1) },
      { chatJid: chat(2) },
      { chatJid: chat(3), nextAttemptAt: later(1) },
    ]);
    const [a1, , b1, c1] = ids;
    await messages.claim(a1 ?? '', NOW);
    await messages.scheduleRetry(a1 ?? '', later(60_000), 'ZG_ERR_TIMEOUT', 'no ack');
    expect((await messages.nextDue(instanceId, NOW))?.id).toBe(b1);
    await messages.claim(b1 ?? '', NOW);
    await messages.markSent(b1 ?? '', NOW);
    expect(await messages.nextDue(instanceId, NOW)).toBeUndefined();
    expect((await messages.nextDue(instanceId, later(1)))?.id).toBe(c1);
    expect((await messages.nextDue(instanceId, later(60_000)))?.id).toBe(a1);
  });

  it('a row scheduled for later and never tried holds back nothing; one waiting for a retry does', async () => {
    const { messages } = ctx().store;
    const { instanceId, ids } = await queue([
      { chatJid: chat(1), nextAttemptAt: later(3_600_000) },
      { chatJid: chat(1) },
      { chatJid: chat(2) },
      { chatJid: chat(2) },
    ]);
    const [scheduled, plain = '', retried = '', behind] = ids;
    expect((await messages.claimNext(instanceId, NOW))?.id).toBe(plain);
    await messages.markSent(plain, NOW);
    expect((await messages.claimNext(instanceId, NOW))?.id).toBe(retried);
    await messages.scheduleRetry(retried, later(60_000), 'ZG_ERR_TIMEOUT', 'no ack');
    expect(await messages.nextDue(instanceId, NOW)).toBeUndefined();
    expect((await messages.claimNext(instanceId, later(60_000)))?.id).toBe(retried);
    await messages.markSent(retried, later(60_000));
    expect((await messages.nextDue(instanceId, later(60_000)))?.id).toBe(behind);
    expect((await messages.nextDue(instanceId, later(3_600_000)))?.id).toBe(scheduled);
  });

  it('nextDue skips expired rows (which then hold nothing back) and rows not queued', async () => {
    const { messages } = ctx().store;
    const { instanceId, ids } = await queue([
      { chatJid: chat(1), expiresAt: NOW },
      { chatJid: chat(2), status: 'paused' },
      { chatJid: chat(3), status: 'failed' },
      { chatJid: chat(4), status: 'sent' },
      { chatJid: chat(1), expiresAt: later(1) },
    ]);
    await messages.insertInbound(inbound({ instanceId, status: 'queued', chatJid: chat(5) }));
    expect((await messages.nextDue(instanceId, NOW))?.id).toBe(ids[4]);
    expect(await messages.nextDue(instanceId, later(1))).toBeUndefined();
  });

  it('expireDue fails queued rows past their expiry and returns their ids', async () => {
    const { messages } = ctx().store;
    const { instanceId, ids } = await queue([
      { expiresAt: later(-1) },
      { expiresAt: NOW },
      { expiresAt: later(1) },
      {},
      { expiresAt: later(-5) },
    ]);
    const sending = ids[4] ?? '';
    await messages.claim(sending, NOW);
    expect(await messages.expireDue(instanceId, NOW)).toEqual([ids[0], ids[1]]);
    expect(await messages.get(ids[0] ?? '')).toMatchObject({ status: 'failed', errorCode: 'ZG_ERR_EXPIRED' });
    expect((await messages.get(ids[0] ?? ''))?.errorMessage).toMatch(/expire/);
    expect(await messages.countByStatus({ instanceId })).toEqual({ failed: 2, queued: 2, sending: 1 });
    expect(await messages.expireDue(instanceId, NOW)).toEqual([]);
    expect(await messages.expireDue(unique('i'), later(1e9))).toEqual([]);
  });

  it('two concurrent claims of one row: exactly one wins, in one store and across two', async () => {
    const { store, url } = ctx();
    const { ids } = await queue([{}, {}]);
    const [first, second] = ids;
    const same = await Promise.all([
      store.messages.claim(first ?? '', NOW),
      store.messages.claim(first ?? '', NOW),
    ]);
    expect(same.toSorted()).toEqual([false, true]);
    const other = await openStore(url);
    try {
      const across = await Promise.all([
        store.messages.claim(second ?? '', NOW),
        other.messages.claim(second ?? '', NOW),
      ]);
      expect(across.toSorted()).toEqual([false, true]);
    } finally {
      await other.close();
    }
    expect(await store.messages.get(first ?? '')).toMatchObject({ status: 'sending', attempts: 1 });
    expect(await store.messages.claim(first ?? '', NOW)).toBe(false);
    expect(await store.messages.claim('no-such-message', NOW)).toBe(false);
  });

  it('markSent, markFailed and scheduleRetry record the outcome of an attempt', async () => {
    const { messages } = ctx().store;
    const { ids } = await queue([{}, {}]);
    const [ok = '', bad = ''] = ids;
    await messages.claim(ok, NOW);
    await messages.scheduleRetry(ok, later(30_000), 'ZG_ERR_TIMEOUT', 'timed out');
    expect(await messages.get(ok)).toMatchObject({
      status: 'queued',
      attempts: 1,
      nextAttemptAt: later(30_000),
      errorCode: 'ZG_ERR_TIMEOUT',
      errorMessage: 'timed out',
    });
    expect(await messages.claim(ok, later(30_000))).toBe(true);
    const sent = await messages.markSent(ok, later(31_000));
    expect(sent).toEqual(await messages.get(ok));
    expect(sent).toMatchObject({
      status: 'sent',
      attempts: 2,
      sentAt: later(31_000),
      updatedAt: later(31_000),
      errorCode: null,
      errorMessage: null,
    });
    await messages.scheduleRetry(ok, later(90_000), 'ZG_ERR_LATE', 'too late');
    expect(await messages.get(ok)).toMatchObject({ status: 'sent', errorCode: null });
    await messages.claim(bad, NOW);
    const failed = await messages.markFailed(
      bad,
      'ZG_ERR_NOT_ON_WHATSAPP',
      'número não está no WhatsApp',
      later(2),
    );
    expect(failed).toEqual(await messages.get(bad));
    expect(failed).toMatchObject({
      status: 'failed',
      errorCode: 'ZG_ERR_NOT_ON_WHATSAPP',
      errorMessage: 'número não está no WhatsApp',
      updatedAt: later(2),
      sentAt: null,
    });
    expect(await messages.markFailed(ok, 'ZG_ERR_LATE', 'late', later(3))).toBeUndefined();
    expect((await messages.get(ok))?.status).toBe('sent');
  });

  it('a receipt that overtakes the completion of a retried send is its outcome, told once', async () => {
    const { messages } = ctx().store;
    const { instanceId, ids } = await queue([{ waMessageId: 'WA-OVERTAKEN' }]);
    const id = ids[0] ?? '';
    await messages.claim(id, NOW);
    await messages.scheduleRetry(id, later(1), 'ZG_ERR_TIMEOUT', 'timed out');
    expect(await messages.claim(id, later(1))).toBe(true);
    const delivered = await messages.applyReceipt(instanceId, 'WA-OVERTAKEN', 'delivered', later(2));
    expect(delivered).toMatchObject({
      status: 'delivered',
      sentAt: later(2),
      deliveredAt: later(2),
      errorCode: null,
      errorMessage: null,
    });
    expect(await messages.markSent(id, later(3))).toBeUndefined();
    expect(await messages.get(id)).toEqual(delivered);
  });

  it('a refusal that overtakes the completion of the send stands', async () => {
    const { messages } = ctx().store;
    const { ids } = await queue([{}, {}]);
    const [refused = '', acked = ''] = ids;
    await messages.claim(refused, NOW);
    expect(await messages.markRejected(refused, 'ZG_ERR_WA_479', 'refused', later(1))).toBe(true);
    expect(await messages.markSent(refused, later(2))).toBeUndefined();
    expect(await messages.get(refused)).toMatchObject({ status: 'failed', errorCode: 'ZG_ERR_WA_479' });
    await messages.claim(acked, NOW);
    await messages.markSent(acked, later(1));
    expect(await messages.markRejected(acked, 'ZG_ERR_WA_479', 'refused', later(2))).toBe(true);
    expect(await messages.markRejected(acked, 'ZG_ERR_WA_479', 'refused', later(3))).toBe(false);
  });

  it('receipts only move an outbound row forward and stamp its dates', async () => {
    const { messages } = ctx().store;
    const { instanceId, ids } = await queue([{ waMessageId: 'WA-R1' }]);
    const id = ids[0] ?? '';
    await messages.claim(id, NOW);
    await messages.markSent(id, later(1));
    expect(await messages.applyReceipt(instanceId, 'WA-R1', 'sent', later(2))).toBeUndefined();
    const delivered = await messages.applyReceipt(instanceId, 'WA-R1', 'delivered', later(3));
    expect(delivered).toMatchObject({
      status: 'delivered',
      sentAt: later(1),
      deliveredAt: later(3),
      readAt: null,
    });
    const read = await messages.applyReceipt(instanceId, 'WA-R1', 'read', later(4));
    expect(read).toMatchObject({ status: 'read', deliveredAt: later(3), readAt: later(4) });
    expect(await messages.applyReceipt(instanceId, 'WA-R1', 'delivered', later(5))).toBeUndefined();
    expect(await messages.applyReceipt(instanceId, 'WA-R1', 'read', later(5))).toBeUndefined();
    expect(await messages.get(id)).toEqual(read);
    const played = await messages.applyReceipt(instanceId, 'WA-R1', 'played', later(6));
    expect(played).toMatchObject({ status: 'played', readAt: later(4), updatedAt: later(6) });
    expect(await messages.applyReceipt(instanceId, 'WA-UNKNOWN', 'read', later(7))).toBeUndefined();
    expect(await messages.applyReceipt(unique('i'), 'WA-R1', 'played', later(7))).toBeUndefined();
  });

  it('a receipt skipping steps stamps what it implies; inbound rows are never touched', async () => {
    const { messages } = ctx().store;
    const { instanceId, ids } = await queue([{ waMessageId: 'WA-R2' }]);
    const id = ids[0] ?? '';
    await messages.claim(id, NOW);
    const read = await messages.applyReceipt(instanceId, 'WA-R2', 'read', later(9));
    expect(read).toMatchObject({ status: 'read', sentAt: later(9), deliveredAt: later(9), readAt: later(9) });
    // the receipt told the row's status: the send's own completion has nothing left to say
    expect(await messages.markSent(id, later(10))).toBeUndefined();
    expect(await messages.get(id)).toMatchObject({ status: 'read', sentAt: later(9) });
    await messages.insertInbound(inbound({ instanceId, waMessageId: 'WA-IN' }));
    expect(await messages.applyReceipt(instanceId, 'WA-IN', 'read', later(11))).toBeUndefined();
    expect(await messages.find(instanceId, 'WA-IN')).toMatchObject({ status: 'received', readAt: null });
  });

  it('requeueSending puts rows left sending back in the queue', async () => {
    const { messages } = ctx().store;
    const { instanceId, ids } = await queue([{}, {}, {}]);
    const other = await queue([{}]);
    for (const id of [...ids.slice(0, 2), ...other.ids]) await messages.claim(id, NOW);
    expect(await messages.requeueSending(instanceId)).toBe(2);
    expect(await messages.countByStatus({ instanceId })).toEqual({ queued: 3 });
    expect(await messages.get(ids[0] ?? '')).toMatchObject({ status: 'queued', attempts: 1 });
    expect(await messages.countByStatus({ instanceId: other.instanceId })).toEqual({ sending: 1 });
    expect(await messages.requeueSending(instanceId)).toBe(0);
  });
}
