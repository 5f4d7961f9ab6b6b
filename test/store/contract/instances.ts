import { expect, it } from 'vitest';
import type { Instance } from '../../../src/domain/instance.ts';
import type { NewInstance } from '../../../src/store/repositories.ts';
import type { ContractContext } from './fixture.ts';
import { expectCode, sleep, unique } from './fixture.ts';
import { newMessage } from './message-fixture.ts';
import { newDelivery, newWebhook } from './webhook-fixture.ts';

const newInstance = (overrides: Partial<NewInstance> = {}): NewInstance => ({
  id: unique('inst'),
  tenantId: null,
  name: unique('name'),
  desiredState: 'running',
  settings: {},
  ...overrides,
});

export function instanceContract(ctx: () => ContractContext): void {
  it('creates an instance in state created and reads it back unchanged', async () => {
    const { instances } = ctx().store;
    const settings = {
      pacing: { minMs: 1000, maxMs: 3000 },
      tags: ['a', 'ß', '😀'],
      on: true,
      nothing: null,
    };
    const created = await instances.create(newInstance({ tenantId: unique('t'), settings }));
    expect(created).toMatchObject({
      status: 'created',
      desiredState: 'running',
      settings,
      phone: null,
      qr: null,
    });
    expect(created.createdAt).toBeInstanceOf(Date);
    expect(created.updatedAt.getTime()).toBe(created.createdAt.getTime());
    expect(await instances.get(created.id)).toEqual(created);
    expect(await instances.get('no-such-instance')).toBeUndefined();
  });

  it('finds an instance by id or by name within its tenant', async () => {
    const { instances } = ctx().store;
    const tenantId = unique('t');
    const owned = await instances.create(newInstance({ tenantId, name: 'sales' }));
    const free = await instances.create(newInstance({ name: unique('free') }));
    const find = instances.findByIdOrName.bind(instances);
    expect(await find(owned.id, undefined)).toEqual(owned);
    expect(await find(owned.id, tenantId)).toEqual(owned);
    expect(await find('sales', tenantId)).toEqual(owned);
    expect(await find(free.name, null)).toEqual(free);
    expect(await find(free.id, null)).toEqual(free);
    expect(await find(free.name, undefined)).toEqual(free);
    expect(await find(owned.id, 'another-tenant')).toBeUndefined();
    expect(await find('sales', 'another-tenant')).toBeUndefined();
    expect(await find('sales', null)).toBeUndefined();
    expect(await find(owned.id, null)).toBeUndefined();
    expect(await find(free.name, tenantId)).toBeUndefined();
    expect(await find('nothing-by-this-name', undefined)).toBeUndefined();
  });

  it('refuses a duplicate name within a tenant and among tenantless instances', async () => {
    const { instances } = ctx().store;
    const tenantId = unique('t');
    const name = unique('dup');
    await instances.create(newInstance({ tenantId, name }));
    await expectCode(
      instances.create(newInstance({ tenantId, name })),
      'ZG_ERR_CONFLICT',
      /instance named .* already exists/,
    );
    await instances.create(newInstance({ tenantId: unique('t'), name }));
    await instances.create(newInstance({ tenantId: null, name }));
    await expectCode(
      instances.create(newInstance({ tenantId: null, name })),
      'ZG_ERR_CONFLICT',
      /already exists/,
    );
    expect(
      await instances.list({ tenantId: null }).then((all) => all.filter((i) => i.name === name)),
    ).toHaveLength(1);
  });

  it('refuses a second instance with the same id', async () => {
    const { instances } = ctx().store;
    const first = await instances.create(newInstance());
    await expectCode(instances.create(newInstance({ id: first.id })), 'ZG_ERR_CONFLICT', /id/);
  });

  it('lists by creation time, filtered by tenant, statuses and desired state', async () => {
    const { instances } = ctx().store;
    const tenantId = unique('t');
    const later = unique('a');
    const b = await instances.create(newInstance({ id: unique('z'), tenantId }));
    await sleep(2);
    const a = await instances.create(newInstance({ id: later, tenantId, desiredState: 'stopped' }));
    const connected = await instances.update(b.id, { status: 'connected' });
    const ids = (list: Instance[]) => list.map((i) => i.id);
    expect(ids(await instances.list({ tenantId }))).toEqual([b.id, a.id]);
    expect(ids(await instances.list({ tenantId, statuses: ['connected', 'qr'] }))).toEqual([b.id]);
    expect(ids(await instances.list({ tenantId, statuses: ['created'] }))).toEqual([a.id]);
    expect(await instances.list({ tenantId, statuses: [] })).toEqual([]);
    expect(ids(await instances.list({ tenantId, desiredState: 'stopped' }))).toEqual([a.id]);
    expect(await instances.list({ tenantId, desiredState: 'running', statuses: ['connected'] })).toEqual([
      connected,
    ]);
    const everyone = ids(await instances.list());
    expect(everyone).toEqual(expect.arrayContaining([a.id, b.id]));
    expect(ids(await instances.list({ tenantId: null }))).not.toContain(a.id);
  });

  it('updates only the fields in the patch and clears fields set to null', async () => {
    const { instances } = ctx().store;
    const created = await instances.create(newInstance({ settings: { keep: 1 } }));
    await sleep(2);
    const qrUpdatedAt = new Date(1_700_000_000_123);
    const first = await instances.update(created.id, {
      status: 'qr',
      qr: `2@${'x'.repeat(300)}`,
      qrUpdatedAt,
      pairingCode: 'ABCD-EFGH',
      pairingExpiresAt: new Date(1_700_000_060_456),
      lastError: 'stream errored (restart required) — ünïcode ✓',
    });
    expect(first).toMatchObject({
      status: 'qr',
      qrUpdatedAt,
      desiredState: 'running',
      settings: { keep: 1 },
    });
    expect(first?.updatedAt.getTime()).toBeGreaterThan(created.updatedAt.getTime());
    const connectedAt = new Date();
    const second = await instances.update(created.id, {
      status: 'connected',
      phone: '5511999998888',
      jid: '5511999998888:12@s.whatsapp.net',
      lid: '123456789012345@lid',
      pushName: 'Zé 🚀',
      qr: null,
      qrUpdatedAt: null,
      pairingCode: null,
      pairingExpiresAt: null,
      connectedAt,
      lastError: null,
      desiredState: 'stopped',
      settings: { replaced: true },
    });
    expect(second).toMatchObject({
      qr: null,
      qrUpdatedAt: null,
      pairingCode: null,
      lastError: null,
      connectedAt,
    });
    expect(second).toMatchObject({ phone: '5511999998888', pushName: 'Zé 🚀', settings: { replaced: true } });
    expect(await instances.get(created.id)).toEqual(second);
    expect(await instances.update('no-such-instance', { status: 'failed' })).toBeUndefined();
  });

  it('renames, and refuses a name another instance of the tenant has', async () => {
    const { instances } = ctx().store;
    const tenantId = unique('t');
    const one = await instances.create(newInstance({ tenantId, name: 'one' }));
    await instances.create(newInstance({ tenantId, name: 'two' }));
    expect((await instances.update(one.id, { name: 'uno' }))?.name).toBe('uno');
    await expectCode(instances.update(one.id, { name: 'two' }), 'ZG_ERR_CONFLICT', /named two/);
    expect((await instances.get(one.id))?.name).toBe('uno');
  });

  it('counts and deletes instances', async () => {
    const { instances } = ctx().store;
    const before = await instances.count();
    const created = await instances.create(newInstance());
    expect(await instances.count()).toBe(before + 1);
    expect(await instances.delete(created.id)).toBe(true);
    expect(await instances.get(created.id)).toBeUndefined();
    expect(await instances.delete(created.id)).toBe(false);
    expect(await instances.count()).toBe(before);
    await instances.create(newInstance({ name: created.name }));
  });

  it('one transaction removes an instance with every row of it, or, when it throws, none', async () => {
    const { store } = ctx();
    const [gone, kept] = [
      await store.instances.create(newInstance()),
      await store.instances.create(newInstance()),
    ];
    const seed = async (instanceId: string) => {
      const campaignId = unique('camp');
      await store.campaigns.create({
        id: campaignId,
        instanceId,
        tenantId: null,
        name: null,
        template: 'hi',
        status: 'running',
        total: 1,
        startAt: null,
      });
      const { message } = await store.messages.insert(newMessage({ instanceId, type: 'image', campaignId }));
      await store.messageMedia.put(message.id, Buffer.from(instanceId));
      const hook = await store.webhooks.create(newWebhook());
      await store.webhookDeliveries.insertMany([newDelivery(hook.id, instanceId)]);
      await store.instanceEvents.append({ instanceId, tenantId: null, type: 'status', data: {} });
      await store.authState.saveCreds(instanceId, '{}');
      return async () => ({
        instance: (await store.instances.get(instanceId)) !== undefined,
        message: (await store.messages.get(message.id)) !== undefined,
        media: (await store.messageMedia.get(message.id)) !== undefined,
        campaign: (await store.campaigns.get(campaignId)) !== undefined,
        deliveries: (await store.webhookDeliveries.list(hook.id, { limit: 5 })).items.length,
        events: (await store.instanceEvents.list(instanceId)).length,
        creds: (await store.authState.loadCreds(instanceId)) !== undefined,
      });
    };
    const [ofGone, ofKept] = [await seed(gone.id), await seed(kept.id)];
    const remove = (failure?: Error) =>
      store.transaction(async (tx) => {
        await tx.messages.deleteByInstance(gone.id);
        await tx.campaigns.deleteByInstance(gone.id);
        await tx.webhookDeliveries.deleteByInstance(gone.id);
        await tx.instanceEvents.deleteByInstance(gone.id);
        await tx.authState.clear(gone.id);
        await tx.instances.delete(gone.id);
        if (failure) throw failure;
      });
    const all = {
      instance: true,
      message: true,
      media: true,
      campaign: true,
      deliveries: 1,
      events: 1,
      creds: true,
    };
    const failure = new Error('the last step failed');
    await expect(remove(failure)).rejects.toBe(failure);
    expect(await ofGone()).toEqual(all);
    await remove();
    const none = { instance: false, message: false, media: false, campaign: false, creds: false };
    expect(await ofGone()).toEqual({ ...none, deliveries: 0, events: 0 });
    expect(await ofKept()).toEqual(all);
  });

  it('keeps long strings, unicode and nested JSON exactly', async () => {
    const { instances } = ctx().store;
    const long = `ç😀${'x'.repeat(100_000)}`;
    const settings = {
      deep: { list: [1, 2.5, -3, 'دو', { n: null }] },
      text: long,
      big: Number.MAX_SAFE_INTEGER,
    };
    const created = await instances.create(newInstance({ name: 'имя-名前-🙂', settings }));
    const updated = await instances.update(created.id, {
      lastError: long,
      pushName: '\t"quoted" \'single\' \\ ',
    });
    const read = await instances.get(created.id);
    expect(read).toEqual(updated);
    expect(read?.settings).toEqual(settings);
    expect(read?.lastError).toBe(long);
    expect(read?.name).toBe('имя-名前-🙂');
  });
}
