import { expect, it } from 'vitest';
import type { Message, MessageContent } from '../../../src/domain/message.ts';
import type { ContractContext } from './fixture.ts';
import { expectCode, unique } from './fixture.ts';
import { at, chat, inbound, newMessage } from './message-fixture.ts';

const UNICODE: MessageContent = {
  text: 'Olá, 世界! مرحبا 👋🏽 e\u0301 \u0000 "quotes" \\ back\nline',
  mentions: ['5511999990000@s.whatsapp.net'],
  options: ['🍕', 'ñandú', '𝔘𝔫𝔦'],
  latitude: -23.55052,
  selectableCount: 1,
};

export function messageContract(ctx: () => ContractContext): void {
  it('inserts a message and reads it back unchanged, unicode content included', async () => {
    const { messages } = ctx().store;
    const input = newMessage({
      instanceId: unique('i'),
      tenantId: 'acme',
      content: UNICODE,
      campaignId: 'c1',
    });
    const { message, created } = await messages.insert(input);
    expect(created).toBe(true);
    expect(message).toMatchObject({
      id: input.id,
      waMessageId: input.waMessageId,
      content: UNICODE,
      status: 'queued',
      attempts: 0,
      errorCode: null,
      idempotencyKey: null,
      campaignId: 'c1',
      expiresAt: null,
      sentAt: null,
    });
    expect(typeof message.seq).toBe('number');
    expect(message.updatedAt.getTime()).toBe(message.createdAt.getTime());
    expect(await messages.get(input.id)).toEqual(message);
    expect(await messages.get('no-such-message')).toBeUndefined();
    const dated = await messages.insert(
      newMessage({ createdAt: at(1_600_000_000_123), expiresAt: at(2e12) }),
    );
    expect(dated.message.createdAt).toEqual(at(1_600_000_000_123));
    expect(dated.message.expiresAt).toEqual(at(2e12));
    expect(dated.message.seq).toBeGreaterThan(message.seq);
  });

  it('an idempotency key inserts once per instance', async () => {
    const { messages } = ctx().store;
    const [instanceId, other] = [unique('i'), unique('i')];
    const first = await messages.insert(newMessage({ instanceId, idempotencyKey: 'order-42' }));
    const again = await messages.insert(
      newMessage({ instanceId, idempotencyKey: 'order-42', content: { text: 'different' } }),
    );
    expect(again).toEqual({ message: first.message, created: false });
    const elsewhere = await messages.insert(newMessage({ instanceId: other, idempotencyKey: 'order-42' }));
    expect(elsewhere.created).toBe(true);
    expect(elsewhere.message.id).not.toBe(first.message.id);
    const racing = await Promise.all(
      [1, 2, 3].map(() => messages.insert(newMessage({ instanceId, idempotencyKey: 'race' }))),
    );
    expect(racing.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(racing.map((r) => r.message.id)).size).toBe(1);
    await messages.insert(newMessage({ instanceId }));
    await messages.insert(newMessage({ instanceId, idempotencyKey: null }));
    expect(await messages.countByStatus({ instanceId })).toEqual({ queued: 4 });
  });

  it('refuses a second row with the same id or the same WhatsApp id', async () => {
    const { messages } = ctx().store;
    const first = newMessage({ instanceId: unique('i') });
    await messages.insert(first);
    await expectCode(messages.insert(newMessage({ id: first.id })), 'ZG_ERR_CONFLICT', /already exists/);
    await expectCode(
      messages.insert(newMessage({ instanceId: first.instanceId, waMessageId: first.waMessageId })),
      'ZG_ERR_CONFLICT',
    );
  });

  it('inserts sends asked for at once, each read back as written; a row at fault fails alone', async () => {
    const { messages } = ctx().store;
    const instanceId = unique('i');
    const taken = newMessage({ instanceId });
    await messages.insert(taken);
    const inputs = Array.from({ length: 150 }, (_, n) =>
      newMessage({ instanceId, content: { text: `at once ${n}` } }),
    );
    const outcomes = await Promise.allSettled([
      ...inputs.slice(0, 70).map((m) => messages.insert(m)),
      messages.insert(newMessage({ id: taken.id, instanceId })),
      ...inputs.slice(70).map((m) => messages.insert(m)),
    ]);
    const failed = outcomes.splice(70, 1)[0];
    expect(failed).toMatchObject({ status: 'rejected', reason: { code: 'ZG_ERR_CONFLICT' } });
    outcomes.forEach((outcome, n) => {
      expect(outcome.status).toBe('fulfilled');
      const { message, created } = (outcome as PromiseFulfilledResult<{ message: Message; created: boolean }>)
        .value;
      expect(created).toBe(true);
      expect(message).toMatchObject({
        id: inputs[n]?.id,
        content: { text: `at once ${n}` },
        status: 'queued',
      });
    });
    expect(await messages.countByStatus({ instanceId })).toEqual({ queued: 151 });
  });

  it('deduplicates inbound rows by instance and WhatsApp id', async () => {
    const { messages } = ctx().store;
    const instanceId = unique('i');
    const row = inbound({ instanceId, waMessageId: '3EB0ABC', createdAt: at(1_700_000_000_000) });
    expect(await messages.insertInbound(row)).toBe(true);
    expect(await messages.insertInbound({ ...row, id: unique('msg') })).toBe(false);
    expect(await messages.insertInbound(inbound({ instanceId: unique('i'), waMessageId: '3EB0ABC' }))).toBe(
      true,
    );
    const ours = newMessage({ instanceId, waMessageId: '3EB0ABC', status: 'sent' });
    expect(await messages.insertInbound(ours)).toBe(true);
    expect(await messages.countByStatus({ instanceId })).toEqual({ received: 1, sent: 1 });
    expect((await messages.get(row.id))?.createdAt).toEqual(at(1_700_000_000_000));
  });

  it('insertInboundMany inserts a batch of inbound rows, skipping those already there', async () => {
    const { messages } = ctx().store;
    const instanceId = unique('i');
    const first = inbound({ instanceId, waMessageId: '3EB0MANY1' });
    expect(await messages.insertInbound(first)).toBe(true);
    const again = { ...first, id: unique('msg') };
    const others = [inbound({ instanceId, waMessageId: '3EB0MANY2' }), inbound({ instanceId: unique('i') })];
    const inserted = await messages.insertInboundMany([again, ...others]);
    expect(inserted).toEqual(new Set(others.map((r) => r.id)));
    expect(await messages.get(again.id)).toBeUndefined();
    expect((await messages.get(others[0]?.id ?? ''))?.waMessageId).toBe('3EB0MANY2');
    expect(await messages.insertInboundMany([])).toEqual(new Set());
    await expectCode(
      messages.insertInboundMany([
        inbound({ instanceId, waMessageId: '3EB0MANY3' }),
        { ...first, waMessageId: 'other' },
      ]),
      'ZG_ERR_CONFLICT',
      /already exists/,
    );
  });

  it('inserts many rows in chunks and skips duplicates', async () => {
    const { messages } = ctx().store;
    const instanceId = unique('i');
    expect(await messages.insertMany([])).toBe(0);
    const rows = Array.from({ length: 1203 }, (_, n) =>
      newMessage({ instanceId, chatJid: chat(n), idempotencyKey: `k${n}`, content: { text: `№${n}` } }),
    );
    expect(await messages.insertMany(rows)).toBe(1203);
    const repeat = [...rows.slice(0, 3).map((r) => ({ ...r, id: unique('msg'), waMessageId: unique('WA') }))];
    expect(await messages.insertMany([...repeat, newMessage({ instanceId })])).toBe(1);
    expect(await messages.countByStatus({ instanceId })).toEqual({ queued: 1204 });
    const page = await messages.list(instanceId, { limit: 1 });
    expect(page.items[0]?.content).toEqual({ text: 'hello' });
  });

  it('finds a message by gateway id or WhatsApp id within its instance', async () => {
    const { messages } = ctx().store;
    const instanceId = unique('i');
    const { message } = await messages.insert(newMessage({ instanceId, waMessageId: 'WA-FIND' }));
    expect(await messages.find(instanceId, message.id)).toEqual(message);
    expect(await messages.find(instanceId, 'WA-FIND')).toEqual(message);
    expect(await messages.find(unique('i'), message.id)).toBeUndefined();
    expect(await messages.find(unique('i'), 'WA-FIND')).toBeUndefined();
    expect(await messages.find(instanceId, 'nothing')).toBeUndefined();
    expect(await messages.findByWaId(instanceId, 'WA-FIND')).toEqual(message);
    expect(await messages.findByWaId(instanceId, message.id)).toBeUndefined();
  });

  it('a WhatsApp id held by an inbound and an outbound row finds the older row', async () => {
    const { messages } = ctx().store;
    for (const first of ['outbound', 'inbound'] as const) {
      const instanceId = unique('i');
      const second = first === 'outbound' ? 'inbound' : 'outbound';
      await messages.insertInbound(newMessage({ instanceId, waMessageId: 'WA-TWICE', direction: first }));
      await messages.insertInbound(newMessage({ instanceId, waMessageId: 'WA-TWICE', direction: second }));
      expect((await messages.findByWaId(instanceId, 'WA-TWICE'))?.direction).toBe(first);
      expect((await messages.find(instanceId, 'WA-TWICE'))?.direction).toBe(first);
    }
  });

  it('replaces the content of a message', async () => {
    const { messages } = ctx().store;
    const { message } = await messages.insert(newMessage({ type: 'image', content: { caption: 'x' } }));
    const content = { caption: 'café ☕', mimetype: 'image/jpeg', size: 5_242_880, fileName: 'ç.jpg' };
    await messages.updateContent(message.id, content);
    const updated = await messages.get(message.id);
    expect(updated?.content).toEqual(content);
    expect(updated?.updatedAt.getTime()).toBeGreaterThanOrEqual(message.updatedAt.getTime());
  });

  it('lists newest first and pages through 450 rows 200 at a time', async () => {
    const { messages } = ctx().store;
    const instanceId = unique('i');
    const rows = Array.from({ length: 450 }, (_, n) => newMessage({ instanceId, chatJid: chat(n % 3) }));
    expect(await messages.insertMany(rows)).toBe(450);
    await messages.insert(newMessage({ instanceId: unique('other') }));
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await messages.list(instanceId, { limit: 200, ...(cursor ? { cursor } : {}) });
      pages.push(page.items.map((m) => m.id));
      const seqs = page.items.map((m) => m.seq);
      expect(seqs).toEqual(seqs.toSorted((a, b) => b - a));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([200, 200, 50]);
    expect(pages.flat()).toEqual(rows.map((r) => r.id).toReversed());
    const exact = await messages.list(instanceId, { limit: 450 });
    expect(exact.nextCursor).toBeNull();
    expect(await messages.list(instanceId, { limit: 0 })).toEqual({ items: [], nextCursor: null });
    await expectCode(messages.list(instanceId, { limit: 10, cursor: 'bogus!' }), 'ZG_ERR_VALIDATION');
    await expectCode(messages.list(instanceId, { limit: 10, cursor: 'czEyYQ' }), 'ZG_ERR_VALIDATION');
  });

  it('combines list filters with AND', async () => {
    const { messages } = ctx().store;
    const instanceId = unique('i');
    const base = 1_700_000_000_000;
    const specs = [
      { chatJid: chat(1), direction: 'outbound', status: 'sent', type: 'text', createdAt: at(base) },
      { chatJid: chat(1), direction: 'inbound', status: 'received', type: 'image', createdAt: at(base + 10) },
      { chatJid: chat(2), direction: 'outbound', status: 'queued', type: 'image', createdAt: at(base + 20) },
      { chatJid: chat(1), direction: 'outbound', status: 'failed', type: 'text', createdAt: at(base + 30) },
    ] as const;
    const ids: string[] = [];
    for (const spec of specs)
      ids.push((await messages.insert(newMessage({ instanceId, ...spec }))).message.id);
    const list = async (filter: Parameters<typeof messages.list>[1]) =>
      (await messages.list(instanceId, filter)).items.map((m) => ids.indexOf(m.id));
    expect(await list({ limit: 10 })).toEqual([3, 2, 1, 0]);
    expect(await list({ limit: 10, chatJid: chat(1) })).toEqual([3, 1, 0]);
    expect(await list({ limit: 10, chatJid: chat(1), direction: 'outbound' })).toEqual([3, 0]);
    expect(await list({ limit: 10, type: 'image' })).toEqual([2, 1]);
    expect(await list({ limit: 10, status: 'queued' })).toEqual([2]);
    expect(await list({ limit: 10, before: at(base + 20) })).toEqual([1, 0]);
    expect(await list({ limit: 10, after: at(base + 10) })).toEqual([3, 2]);
    expect(await list({ limit: 10, after: at(base), before: at(base + 30), type: 'image' })).toEqual([2, 1]);
    expect(await list({ limit: 10, chatJid: chat(2), direction: 'inbound' })).toEqual([]);
  });

  it('counts by status per instance and tenant, and by instance and status', async () => {
    const { messages } = ctx().store;
    const tenantId = unique('t');
    const [a, b] = [unique('a'), unique('b')];
    const put = (
      instanceId: string,
      status: 'queued' | 'sent' | 'failed',
      tenant: string | null = tenantId,
    ) => messages.insert(newMessage({ instanceId, tenantId: tenant, status }));
    for (const s of ['queued', 'queued', 'sent', 'failed'] as const) await put(a, s);
    for (const s of ['sent', 'sent'] as const) await put(b, s);
    await put(a, 'sent', null);
    expect(await messages.countByStatus({ instanceId: a })).toEqual({ queued: 2, sent: 2, failed: 1 });
    expect(await messages.countByStatus({ instanceId: a, tenantId: null })).toEqual({ sent: 1 });
    expect(await messages.countByStatus({ tenantId })).toEqual({ queued: 2, sent: 3, failed: 1 });
    expect(await messages.countByStatus({ instanceId: unique('none') })).toEqual({});
    expect(await messages.countByInstanceAndStatus(tenantId)).toEqual([
      { instanceId: a, status: 'failed', count: 1 },
      { instanceId: a, status: 'queued', count: 2 },
      { instanceId: a, status: 'sent', count: 1 },
      { instanceId: b, status: 'sent', count: 2 },
    ]);
    const everyone = await messages.countByInstanceAndStatus();
    expect(everyone).toContainEqual({ instanceId: a, status: 'sent', count: 2 });
    const tenantless = await messages.countByInstanceAndStatus(null);
    expect(tenantless).toContainEqual({ instanceId: a, status: 'sent', count: 1 });
    expect(tenantless.some((r) => r.instanceId === b)).toBe(false);
  });

  it('counts the queued rows of each instance, which leave the count when claimed', async () => {
    const { messages } = ctx().store;
    const [a, b, c] = [unique('a'), unique('b'), unique('c')];
    const first = await messages.insert(newMessage({ instanceId: a }));
    await messages.insert(newMessage({ instanceId: a }));
    await messages.insert(newMessage({ instanceId: b }));
    await messages.insert(newMessage({ instanceId: c, status: 'failed' }));
    const counts = await messages.countQueuedByInstance();
    expect([a, b, c].map((id) => counts.get(id))).toEqual([2, 1, undefined]);
    expect(await messages.claim(first.message.id, new Date())).toBe(true);
    expect((await messages.countQueuedByInstance()).get(a)).toBe(1);
    await messages.markSent(first.message.id, new Date());
    expect((await messages.countQueuedByInstance()).get(a)).toBe(1);
  });

  it('lists the rows of one status as they move through the outbox', async () => {
    const { messages } = ctx().store;
    const instanceId = unique('i');
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await messages.insert(newMessage({ instanceId }))).message.id);
    const [one, two] = ids as [string, string, string];
    const listed = async (status: 'queued' | 'sending' | 'sent' | 'failed') =>
      (await messages.list(instanceId, { limit: 10, status })).items.map((m) => m.id);
    expect(await listed('queued')).toEqual([...ids].reverse());
    await messages.claim(one, new Date());
    await messages.claim(two, new Date());
    await messages.markFailed(two, 'ZG_ERR_TEST', 'refused', new Date());
    expect(await listed('queued')).toEqual([ids[2]]);
    expect(await listed('sending')).toEqual([one]);
    expect(await listed('failed')).toEqual([two]);
    await messages.markSent(one, new Date());
    expect(await listed('sending')).toEqual([]);
    expect(await listed('sent')).toEqual([one]);
    expect(await messages.requeueSending(instanceId)).toBe(0);
  });

  it('counts by direction and status, per instance and tenant', async () => {
    const { messages } = ctx().store;
    const tenantId = unique('t');
    const [a, b] = [unique('a'), unique('b')];
    for (const status of ['queued', 'sent', 'sent', 'failed'] as const)
      await messages.insert(newMessage({ instanceId: a, tenantId, status }));
    await messages.insertInbound(inbound({ instanceId: a, tenantId }));
    await messages.insertInbound(inbound({ instanceId: a, tenantId }));
    await messages.insertInbound(inbound({ instanceId: b, tenantId }));
    await messages.insertInbound(newMessage({ instanceId: b, tenantId, status: 'sent' }));
    await messages.insert(newMessage({ instanceId: a, tenantId: null, status: 'delivered' }));
    expect(await messages.countByDirectionAndStatus({ instanceId: a, tenantId })).toEqual([
      { direction: 'inbound', status: 'received', count: 2 },
      { direction: 'outbound', status: 'failed', count: 1 },
      { direction: 'outbound', status: 'queued', count: 1 },
      { direction: 'outbound', status: 'sent', count: 2 },
    ]);
    expect(await messages.countByDirectionAndStatus({ tenantId })).toEqual([
      { direction: 'inbound', status: 'received', count: 3 },
      { direction: 'outbound', status: 'failed', count: 1 },
      { direction: 'outbound', status: 'queued', count: 1 },
      { direction: 'outbound', status: 'sent', count: 3 },
    ]);
    expect(await messages.countByDirectionAndStatus({ instanceId: a, tenantId: null })).toEqual([
      { direction: 'outbound', status: 'delivered', count: 1 },
    ]);
    expect(await messages.countByDirectionAndStatus({ instanceId: unique('none') })).toEqual([]);
    const everyone = await messages.countByDirectionAndStatus({});
    const total = (rows: typeof everyone) => rows.reduce((sum, r) => sum + r.count, 0);
    expect(total(everyone)).toBeGreaterThanOrEqual(10);
    const byStatus = await messages.countByStatus({});
    expect(total(everyone)).toBe(Object.values(byStatus).reduce((sum, n) => sum + (n ?? 0), 0));
  });

  it('counts rows created since a moment, in either direction', async () => {
    const { messages } = ctx().store;
    const tenantId = unique('t');
    const [a, b] = [unique('a'), unique('b')];
    const since = 1_800_000_000_000;
    await messages.insert(newMessage({ instanceId: a, tenantId, createdAt: at(since - 1) }));
    await messages.insert(newMessage({ instanceId: a, tenantId, createdAt: at(since), status: 'sent' }));
    await messages.insert(newMessage({ instanceId: a, tenantId, createdAt: at(since + 60_000) }));
    await messages.insertInbound(inbound({ instanceId: a, tenantId, createdAt: at(since + 5) }));
    await messages.insertInbound(inbound({ instanceId: a, tenantId, createdAt: at(since - 5) }));
    await messages.insert(newMessage({ instanceId: b, tenantId, createdAt: at(since + 1) }));
    await messages.insert(newMessage({ instanceId: a, tenantId: null, createdAt: at(since + 1) }));
    expect(await messages.countSince({ instanceId: a, tenantId }, at(since))).toBe(3);
    expect(await messages.countSince({ instanceId: a }, at(since))).toBe(4);
    expect(await messages.countSince({ tenantId }, at(since))).toBe(4);
    expect(await messages.countSince({ instanceId: a, tenantId: null }, at(since))).toBe(1);
    expect(await messages.countSince({ instanceId: a, tenantId }, at(since + 60_001))).toBe(0);
    expect(await messages.countSince({ instanceId: unique('none') }, at(0))).toBe(0);
    expect(await messages.countSince({}, at(since))).toBeGreaterThanOrEqual(5);
  });

  it('gives the creation time of the oldest queued row', async () => {
    const { messages } = ctx().store;
    const tenantId = unique('t');
    const [a, b] = [unique('a'), unique('b')];
    expect(await messages.oldestQueuedAt(a)).toBeUndefined();
    await messages.insert(newMessage({ instanceId: a, tenantId, status: 'sent', createdAt: at(1_000_000) }));
    await messages.insert(newMessage({ instanceId: a, tenantId, createdAt: at(3_000_000) }));
    await messages.insert(newMessage({ instanceId: a, tenantId, createdAt: at(2_000_000) }));
    await messages.insert(newMessage({ instanceId: b, createdAt: at(1_500_000) }));
    expect(await messages.oldestQueuedAt(a)).toEqual(at(2_000_000));
    expect(await messages.oldestQueuedAt(undefined, tenantId)).toEqual(at(2_000_000));
    expect(await messages.oldestQueuedAt(b, tenantId)).toBeUndefined();
    expect(await messages.oldestQueuedAt(b, null)).toEqual(at(1_500_000));
    const ancient = await messages.insert(newMessage({ instanceId: b, createdAt: at(1) }));
    expect(await messages.oldestQueuedAt()).toEqual(at(1));
    await messages.markFailed(ancient.message.id, 'X', 'x', new Date());
    expect(await messages.oldestQueuedAt(b)).toEqual(at(1_500_000));
  });

  it('counts rows sent since a moment plus those being sent, toward the daily cap', async () => {
    const { messages } = ctx().store;
    const instanceId = unique('i');
    const since = at(1_700_000_000_000);
    const sentAt = async (when: number, receipt?: 'delivered' | 'read' | 'played') => {
      const { message } = await messages.insert(newMessage({ instanceId }));
      await messages.claim(message.id, at(when));
      await messages.markSent(message.id, at(when));
      if (receipt) await messages.applyReceipt(instanceId, message.waMessageId, receipt, at(when + 1));
    };
    await sentAt(since.getTime() - 1);
    await sentAt(since.getTime());
    await sentAt(since.getTime() + 5, 'delivered');
    await sentAt(since.getTime() + 6, 'read');
    await sentAt(since.getTime() + 7, 'played');
    const sending = await messages.insert(newMessage({ instanceId }));
    await messages.claim(sending.message.id, at(1));
    await messages.insert(newMessage({ instanceId }));
    const failed = await messages.insert(newMessage({ instanceId }));
    await messages.markFailed(failed.message.id, 'ZG_ERR_X', 'no', new Date());
    await messages.insertInbound(inbound({ instanceId }));
    await messages.insertInbound(newMessage({ instanceId, status: 'sent' }));
    expect(await messages.countSentSince(instanceId, since)).toBe(5);
    expect(await messages.countSentSince(unique('i'), since)).toBe(0);
  });
}
