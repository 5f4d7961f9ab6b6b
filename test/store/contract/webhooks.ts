import { expect, it } from 'vitest';
import type { Webhook } from '../../../src/store/repositories.ts';
import type { ContractContext } from './fixture.ts';
import { expectCode, sleep, unique } from './fixture.ts';
import { newDelivery, newWebhook } from './webhook-fixture.ts';

export function webhookContract(ctx: () => ContractContext): void {
  it('creates a webhook and reads it back unchanged', async () => {
    const { webhooks } = ctx().store;
    const input = newWebhook({
      tenantId: unique('t'),
      instanceId: unique('i'),
      url: 'https://hooks.example/zapgate?q=ação&x=👋',
      events: ['message.*', 'instance.status', '*'],
      secret: 'sëcret "quoted"',
    });
    const created = await webhooks.create(input);
    expect(created).toEqual({ ...input, createdAt: created.createdAt, updatedAt: created.createdAt });
    expect(created.createdAt).toBeInstanceOf(Date);
    expect(await webhooks.get(input.id)).toEqual(created);
    const disabled = await webhooks.create(newWebhook({ enabled: false, events: [] }));
    expect(await webhooks.get(disabled.id)).toMatchObject({ enabled: false, events: [] });
    expect(await webhooks.get(unique('missing'))).toBeUndefined();
    await expectCode(webhooks.create(newWebhook({ id: input.id })), 'ZG_ERR_CONFLICT', /already exists/);
  });

  it('lists all webhooks, the global ones, or one tenant’s, in creation order', async () => {
    const { webhooks } = ctx().store;
    const [tenant, other] = [unique('t'), unique('t')];
    const a = await webhooks.create(newWebhook({ tenantId: tenant }));
    const g = await webhooks.create(newWebhook());
    const b = await webhooks.create(newWebhook({ tenantId: tenant, instanceId: unique('i') }));
    const o = await webhooks.create(newWebhook({ tenantId: other, enabled: false }));
    const ids = (list: Webhook[]) => list.map((w) => w.id);
    expect(ids(await webhooks.list({ tenantId: tenant }))).toEqual([a.id, b.id]);
    expect(ids(await webhooks.list({ tenantId: other }))).toEqual([o.id]);
    const global = ids(await webhooks.list({ tenantId: null }));
    expect(global).toContain(g.id);
    expect(global).not.toContain(a.id);
    const all = ids(await webhooks.list({}));
    expect(all.filter((id) => [a.id, g.id, b.id, o.id].includes(id))).toEqual([a.id, g.id, b.id, o.id]);
    expect(await webhooks.list({ tenantId: unique('nobody') })).toEqual([]);
  });

  it('updates only the fields given', async () => {
    const { webhooks } = ctx().store;
    const created = await webhooks.create(newWebhook({ tenantId: unique('t'), instanceId: unique('i') }));
    await sleep(3);
    const renamed = await webhooks.update(created.id, { url: 'https://elsewhere.example/h', enabled: false });
    expect(renamed).toEqual({
      ...created,
      url: 'https://elsewhere.example/h',
      enabled: false,
      updatedAt: renamed?.updatedAt,
    });
    expect(renamed?.updatedAt.getTime()).toBeGreaterThan(created.updatedAt.getTime());
    const widened = await webhooks.update(created.id, {
      instanceId: null,
      events: ['message.received'],
      secret: 'rotated',
      enabled: true,
    });
    expect(widened).toMatchObject({
      instanceId: null,
      events: ['message.received'],
      secret: 'rotated',
      enabled: true,
    });
    expect(widened?.url).toBe('https://elsewhere.example/h');
    expect(await webhooks.get(created.id)).toEqual(widened);
    expect(await webhooks.update(unique('missing'), { enabled: false })).toBeUndefined();
  });

  it('candidates: enabled webhooks of the tenant or global, for the instance or for all', async () => {
    const { webhooks } = ctx().store;
    const [tenant, other, i, j] = [unique('t'), unique('t'), unique('i'), unique('i')];
    const make = async (name: string, spec: Partial<Webhook>): Promise<[string, string]> => [
      (await webhooks.create(newWebhook(spec))).id,
      name,
    ];
    const named = new Map(
      await Promise.all([
        make('global', {}),
        make('global-i', { instanceId: i }),
        make('global-j', { instanceId: j }),
        make('global-off', { enabled: false }),
        make('tenant', { tenantId: tenant }),
        make('tenant-i', { tenantId: tenant, instanceId: i }),
        make('tenant-j', { tenantId: tenant, instanceId: j }),
        make('tenant-off', { tenantId: tenant, enabled: false }),
        make('tenant-i-off', { tenantId: tenant, instanceId: i, enabled: false }),
        make('other', { tenantId: other }),
        make('other-i', { tenantId: other, instanceId: i }),
      ]),
    );
    // Global webhooks of other tests also match; only this test's are compared.
    const candidates = async (tenantId: string | null, instanceId: string) =>
      (await webhooks.candidates(tenantId, instanceId)).flatMap((w) => named.get(w.id) ?? []).toSorted();
    expect(await candidates(tenant, i)).toEqual(['global', 'global-i', 'tenant', 'tenant-i']);
    expect(await candidates(tenant, j)).toEqual(['global', 'global-j', 'tenant', 'tenant-j']);
    expect(await candidates(tenant, unique('i'))).toEqual(['global', 'tenant']);
    expect(await candidates(other, i)).toEqual(['global', 'global-i', 'other', 'other-i']);
    expect(await candidates(null, i)).toEqual(['global', 'global-i']);
    expect(await candidates(unique('t'), j)).toEqual(['global', 'global-j']);
    const all = await webhooks.candidates(tenant, i);
    expect(all.every((w) => w.enabled)).toBe(true);
  });

  it('deleting a webhook deletes its deliveries and nothing else', async () => {
    const { webhooks, webhookDeliveries } = ctx().store;
    const [gone, kept] = [await webhooks.create(newWebhook()), await webhooks.create(newWebhook())];
    const instanceId = unique('i');
    const doomed = [newDelivery(gone.id, instanceId), newDelivery(gone.id, unique('i'))];
    const survivor = newDelivery(kept.id, instanceId);
    await webhookDeliveries.insertMany([...doomed, survivor]);
    expect(await webhooks.delete(gone.id)).toBe(true);
    expect(await webhooks.get(gone.id)).toBeUndefined();
    expect(await webhookDeliveries.list(gone.id, { limit: 10 })).toEqual({ items: [], nextCursor: null });
    for (const d of doomed) expect(await webhookDeliveries.get(d.id)).toBeUndefined();
    expect((await webhookDeliveries.get(survivor.id))?.webhookId).toBe(kept.id);
    expect(await webhooks.get(kept.id)).toEqual(kept);
    expect(await webhooks.delete(gone.id)).toBe(false);
  });
}
