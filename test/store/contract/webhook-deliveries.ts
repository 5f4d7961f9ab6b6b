import { expect, it } from 'vitest';
import type { WebhookDelivery } from '../../../src/store/repositories.ts';
import type { ContractContext } from './fixture.ts';
import { expectCode, unique } from './fixture.ts';
import { at, inbound } from './message-fixture.ts';
import { drainDeliveries, MINUTE, newDelivery, newWebhook, T0 } from './webhook-fixture.ts';

const NOW = at(T0);

export function webhookDeliveryContract(ctx: () => ContractContext): void {
  const ids = (rows: WebhookDelivery[]) => rows.map((d) => d.id);
  const hook = async (tenantId: string | null = null) =>
    ctx().store.webhooks.create(newWebhook({ tenantId }));

  it('inserts deliveries, pending and untried, in order, and reads them back', async () => {
    const { webhookDeliveries } = ctx().store;
    const { id: webhookId } = await hook();
    const instanceId = unique('i');
    const payload = JSON.stringify({ text: 'Olá 世界 👋🏽 \u0000 "q" \\' });
    const input = newDelivery(webhookId, instanceId, {
      payload,
      createdAt: at(T0 - 5),
      event: 'message.sent',
    });
    await webhookDeliveries.insertMany([input, newDelivery(webhookId, instanceId)]);
    await webhookDeliveries.insertMany([]);
    const stored = await webhookDeliveries.get(input.id);
    expect(stored).toEqual({
      ...input,
      seq: stored?.seq,
      status: 'pending',
      attempts: 0,
      lastStatusCode: null,
      lastError: null,
      lastResponse: null,
      deliveredAt: null,
    });
    expect(typeof stored?.seq).toBe('number');
    const [second, first] = (await webhookDeliveries.list(webhookId, { limit: 10 })).items;
    expect(first).toEqual(stored);
    expect(second?.seq).toBeGreaterThan(stored?.seq ?? Number.POSITIVE_INFINITY);
    expect(await webhookDeliveries.get(unique('missing'))).toBeUndefined();
    await expectCode(
      webhookDeliveries.insertMany([newDelivery(webhookId, instanceId, { id: input.id })]),
      'ZG_ERR_CONFLICT',
    );
  });

  it('inserts many deliveries in chunks, all or nothing', async () => {
    const { webhookDeliveries } = ctx().store;
    const tenantId = unique('t');
    const { id: webhookId } = await hook(tenantId);
    const rows = Array.from({ length: 1203 }, (_, n) => newDelivery(webhookId, unique(`i${n % 7}`)));
    await webhookDeliveries.insertMany(rows);
    expect(await webhookDeliveries.countByStatus({ tenantId })).toEqual({ pending: 1203 });
    const clash = [...Array.from({ length: 600 }, () => newDelivery(webhookId, 'x')), ...rows.slice(5, 6)];
    await expectCode(webhookDeliveries.insertMany(clash), 'ZG_ERR_CONFLICT');
    expect(await webhookDeliveries.countByStatus({ tenantId })).toEqual({ pending: 1203 });
    // Deleting the webhook takes its 1203 deliveries with it (and keeps later claims cheap).
    await ctx().store.webhooks.delete(webhookId);
    expect(await webhookDeliveries.countByStatus({ tenantId })).toEqual({});
  });

  it('records retries, then delivery or death; a settled delivery ignores late outcomes', async () => {
    const { webhookDeliveries: deliveries } = ctx().store;
    const { id: webhookId } = await hook();
    const [ok, dead] = [newDelivery(webhookId, unique('i')), newDelivery(webhookId, unique('i'))];
    await deliveries.insertMany([ok, dead]);
    const long = `${'é'.repeat(2047)}😀${'x'.repeat(3000)}`;
    await deliveries.markRetry(ok.id, at(T0 + MINUTE), 503, 'receiver answered 503', long);
    const retried = await deliveries.get(ok.id);
    expect(retried).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: at(T0 + MINUTE) });
    expect(retried).toMatchObject({ lastStatusCode: 503, lastError: 'receiver answered 503' });
    expect(retried?.lastResponse).toBe('é'.repeat(2047));
    await deliveries.markRetry(ok.id, at(T0 + 2 * MINUTE), null, 'timeout', 'y'.repeat(5000));
    expect((await deliveries.get(ok.id))?.lastResponse).toHaveLength(2048);
    await deliveries.markDelivered(ok.id, 200, '{"ok":true}', at(T0 + 3 * MINUTE));
    const delivered = await deliveries.get(ok.id);
    expect(delivered).toMatchObject({ status: 'delivered', lastStatusCode: 200, lastError: null });
    expect(delivered).toMatchObject({ lastResponse: '{"ok":true}', deliveredAt: at(T0 + 3 * MINUTE) });
    await deliveries.markDead(dead.id, null, 'refused: private address', null);
    const gone = await deliveries.get(dead.id);
    expect(gone).toMatchObject({
      status: 'dead',
      lastStatusCode: null,
      lastError: 'refused: private address',
    });
    expect(gone?.deliveredAt).toBeNull();
    await deliveries.markRetry(ok.id, at(T0), 500, 'late', null);
    await deliveries.markDead(ok.id, 500, 'late', null);
    await deliveries.markDelivered(dead.id, 200, null, NOW);
    expect(await deliveries.get(ok.id)).toEqual(delivered);
    expect(await deliveries.get(dead.id)).toEqual(gone);
  });

  it('settles deliveries marked delivered together, each with its own answer, leaving settled ones', async () => {
    const { store } = ctx();
    const deliveries = store.webhookDeliveries;
    const { id: webhookId } = await hook();
    const rows = Array.from({ length: 4 }, () => newDelivery(webhookId, unique('i')));
    await deliveries.insertMany(rows);
    const [a, b, c, settled] = rows.map((r) => r.id ?? '');
    await deliveries.markDead(settled ?? '', 410, 'gone', null);
    await Promise.all([
      deliveries.markDelivered(a ?? '', 200, 'first', at(T0 + 1)),
      deliveries.markDelivered(b ?? '', 204, null, at(T0 + 2)),
      deliveries.markDelivered(c ?? '', 202, 'ü'.repeat(3000), at(T0 + 3)),
      deliveries.markDelivered(settled ?? '', 200, 'late', at(T0 + 4)),
    ]);
    const got = await Promise.all(rows.map((r) => deliveries.get(r.id)));
    expect(got.map((d) => [d?.status, d?.lastStatusCode, d?.deliveredAt?.getTime() ?? null])).toEqual([
      ['delivered', 200, T0 + 1],
      ['delivered', 204, T0 + 2],
      ['delivered', 202, T0 + 3],
      ['dead', 410, null],
    ]);
    expect(got.map((d) => d?.lastResponse?.length ?? null)).toEqual([5, null, 2048, null]);
    expect(got[0]?.lastError).toBeNull();
  });

  it('redeliver makes a delivery pending and due again, keeping its attempts', async () => {
    const { store } = ctx();
    const deliveries = store.webhookDeliveries;
    await drainDeliveries(store);
    const { id: webhookId } = await hook();
    const rows = [newDelivery(webhookId, unique('i')), newDelivery(webhookId, unique('i'))];
    await deliveries.insertMany(rows);
    const [dead, delivered] = rows.map((r) => r.id);
    expect(await deliveries.claimDue(NOW, at(T0 + MINUTE), 10)).toHaveLength(2);
    await deliveries.markDead(dead ?? '', 500, 'boom', 'err');
    await deliveries.markDelivered(delivered ?? '', 200, 'ok', NOW);
    const again = await deliveries.redeliver(dead ?? '', at(T0 + MINUTE));
    expect(again).toMatchObject({ status: 'pending', nextAttemptAt: at(T0 + MINUTE), attempts: 1 });
    expect(again).toMatchObject({ lastStatusCode: 500, lastError: 'boom', lastResponse: 'err' });
    expect(await deliveries.get(dead ?? '')).toEqual(again);
    const resent = await deliveries.redeliver(delivered ?? '', NOW);
    expect(resent).toMatchObject({ status: 'pending', nextAttemptAt: NOW, deliveredAt: null, attempts: 1 });
    expect(ids(await deliveries.claimDue(NOW, at(T0 + MINUTE), 10))).toEqual([delivered]);
    expect(await deliveries.redeliver(unique('missing'), NOW)).toBeUndefined();
  });

  it('lists a webhook’s deliveries newest first, by status, page by page', async () => {
    const { webhookDeliveries: deliveries } = ctx().store;
    const [{ id: webhookId }, { id: otherId }] = [await hook(), await hook()];
    const rows = Array.from({ length: 25 }, () => newDelivery(webhookId, unique('i')));
    await deliveries.insertMany([...rows, newDelivery(otherId, unique('i'))]);
    for (const row of rows.slice(0, 3)) await deliveries.markDead(row.id, 404, 'not found', null);
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await deliveries.list(webhookId, { limit: 10, ...(cursor ? { cursor } : {}) });
      pages.push(page.items.map((d) => d.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(pages.flat()).toEqual(rows.map((r) => r.id).toReversed());
    const dead = await deliveries.list(webhookId, { status: 'dead', limit: 2 });
    expect(dead.items.map((d) => d.id)).toEqual([rows[2]?.id, rows[1]?.id]);
    const rest = await deliveries.list(webhookId, {
      status: 'dead',
      limit: 2,
      cursor: dead.nextCursor ?? '',
    });
    expect(rest).toEqual({ items: [expect.objectContaining({ id: rows[0]?.id })], nextCursor: null });
    expect((await deliveries.list(webhookId, { status: 'delivered', limit: 5 })).items).toEqual([]);
    expect((await deliveries.list(webhookId, { limit: 25 })).nextCursor).toBeNull();
    expect(await deliveries.list(webhookId, { limit: 0 })).toEqual({ items: [], nextCursor: null });
    await expectCode(deliveries.list(webhookId, { limit: 10, cursor: 'bogus!' }), 'ZG_ERR_VALIDATION');
  });

  it('counts by status, for all webhooks, the global ones, or one tenant’s', async () => {
    const { webhookDeliveries: deliveries } = ctx().store;
    const [tenant, other] = [unique('t'), unique('t')];
    const [a, b, c, g] = [await hook(tenant), await hook(tenant), await hook(other), await hook()];
    const put = async (webhookId: string, settle?: (d: WebhookDelivery) => Promise<void>) => {
      const row = newDelivery(webhookId, unique('i'));
      await deliveries.insertMany([row]);
      const stored = await deliveries.get(row.id);
      if (settle && stored) await settle(stored);
    };
    const deliver = (d: WebhookDelivery) => deliveries.markDelivered(d.id, 200, null, NOW);
    const kill = (d: WebhookDelivery) => deliveries.markDead(d.id, 500, 'x', null);
    await put(a.id);
    await put(a.id, deliver);
    await put(b.id, deliver);
    await put(b.id, kill);
    await put(c.id);
    await put(g.id, kill);
    expect(await deliveries.countByStatus({ tenantId: tenant })).toEqual({
      pending: 1,
      delivered: 2,
      dead: 1,
    });
    expect(await deliveries.countByStatus({ tenantId: other })).toEqual({ pending: 1 });
    expect((await deliveries.countByStatus({ tenantId: null })).dead).toBeGreaterThanOrEqual(1);
    expect(await deliveries.countByStatus({ tenantId: unique('nobody') })).toEqual({});
    const all = await deliveries.countByStatus({});
    expect(all.delivered).toBeGreaterThanOrEqual(2);
    expect(all.pending).toBeGreaterThanOrEqual(2);
  });

  it('retention removes settled deliveries created before the cutoff and orphans', async () => {
    const { webhookDeliveries: deliveries } = ctx().store;
    const cutoff = at(T0 - 10 * MINUTE);
    await deliveries.deleteOlderThan(cutoff);
    const { id: webhookId } = await hook();
    const old = { createdAt: at(T0 - 20 * MINUTE) };
    const [settled, dead, waiting, orphan, fresh] = [
      newDelivery(webhookId, unique('i'), old),
      newDelivery(webhookId, unique('i'), old),
      newDelivery(webhookId, unique('i'), old),
      newDelivery(unique('deleted-hook'), unique('i'), old),
      newDelivery(webhookId, unique('i'), { createdAt: cutoff }),
    ];
    await deliveries.insertMany([settled, dead, waiting, orphan, fresh]);
    await deliveries.markDelivered(settled.id, 200, null, NOW);
    await deliveries.markDead(dead.id, 500, 'x', null);
    await deliveries.markDelivered(fresh.id, 200, null, NOW);
    expect(await deliveries.deleteOlderThan(cutoff)).toBe(3);
    for (const d of [settled, dead, orphan]) expect(await deliveries.get(d.id)).toBeUndefined();
    expect((await deliveries.get(waiting.id))?.status).toBe('pending');
    expect((await deliveries.get(fresh.id))?.status).toBe('delivered');
  });

  it('deleteByInstance removes every delivery of the instance, whatever its status or webhook', async () => {
    const { webhookDeliveries: deliveries } = ctx().store;
    const [one, two] = [await hook(), await hook()];
    const [gone, kept] = [unique('i'), unique('i')];
    const rows = [
      newDelivery(one.id, gone),
      newDelivery(two.id, gone),
      newDelivery(one.id, gone),
      newDelivery(one.id, kept),
    ];
    await deliveries.insertMany(rows);
    await deliveries.markDead(rows[2]?.id ?? '', 400, 'refused', null);
    expect(await deliveries.deleteByInstance(gone)).toBe(3);
    for (const d of rows.slice(0, 3)) expect(await deliveries.get(d.id)).toBeUndefined();
    expect((await deliveries.get(rows[3]?.id ?? ''))?.status).toBe('pending');
    expect(await deliveries.deleteByInstance(gone)).toBe(0);
  });

  it('a transaction writes a message, its event and its deliveries together', async () => {
    const { store } = ctx();
    const [{ id: webhookId }, instanceId] = [await hook(), unique('i')];
    const message = inbound({ instanceId });
    const eventId = unique('ev');
    await store.transaction(async (tx) => {
      expect(await tx.messages.insertInbound(message)).toBe(true);
      const event = {
        id: eventId,
        instanceId,
        tenantId: null,
        event: 'message.received',
        envelope: '{}',
        createdAt: NOW,
      };
      await tx.events.append(event);
      const hooks = await tx.webhooks.candidates(null, instanceId);
      expect(hooks.map((h) => h.id)).toContain(webhookId);
      await tx.webhookDeliveries.insertMany([newDelivery(webhookId, instanceId, { eventId })]);
    });
    expect(await store.messages.get(message.id)).toMatchObject({ instanceId });
    expect(await store.events.findSeqById(eventId)).toEqual(expect.any(Number));
    expect((await store.webhookDeliveries.list(webhookId, { limit: 5 })).items).toEqual([
      expect.objectContaining({ eventId, instanceId, status: 'pending' }),
    ]);
  });

  it('a transaction that throws writes no message, event or delivery', async () => {
    const { store } = ctx();
    const [{ id: webhookId }, instanceId] = [await hook(), unique('i')];
    const message = inbound({ instanceId });
    const [eventId, deliveryId] = [unique('ev'), unique('dl')];
    const failure = new Error('fan-out failed');
    const run = store.transaction(async (tx) => {
      await tx.messages.insertInbound(message);
      await tx.events.append({
        id: eventId,
        instanceId,
        tenantId: null,
        event: 'e',
        envelope: '{}',
        createdAt: NOW,
      });
      await tx.webhookDeliveries.insertMany([
        newDelivery(webhookId, instanceId, { id: deliveryId, eventId }),
      ]);
      await tx.webhookDeliveries.claimDue(at(8e15), at(8e15), 1);
      throw failure;
    });
    await expect(run).rejects.toBe(failure);
    expect(await store.messages.get(message.id)).toBeUndefined();
    expect(await store.events.findSeqById(eventId)).toBeUndefined();
    expect(await store.webhookDeliveries.get(deliveryId)).toBeUndefined();
    expect(await store.messages.insertInbound(message)).toBe(true);
  });
}
