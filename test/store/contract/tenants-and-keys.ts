import { expect, it } from 'vitest';
import type { ContractContext } from './fixture.ts';
import { expectCode, sleep, unique } from './fixture.ts';

export function tenantContract(ctx: () => ContractContext): void {
  it('creates, gets and lists tenants in creation order', async () => {
    const { tenants } = ctx().store;
    const before = Date.now();
    const a = await tenants.create({ id: unique('ta'), name: 'Acme — Ünïcode ✓' });
    await sleep(2);
    const b = await tenants.create({ id: unique('tb'), name: 'Beta' });
    expect(a.createdAt).toBeInstanceOf(Date);
    expect(a.createdAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(await tenants.get(a.id)).toEqual(a);
    expect(await tenants.get('no-such-tenant')).toBeUndefined();
    const ids = (await tenants.list()).map((t) => t.id);
    expect(ids.indexOf(a.id)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(a.id)).toBeLessThan(ids.indexOf(b.id));
  });

  it('refuses a second tenant with the same id', async () => {
    const { tenants } = ctx().store;
    const id = unique('tdup');
    await tenants.create({ id, name: 'one' });
    await expectCode(tenants.create({ id, name: 'two' }), 'ZG_ERR_CONFLICT');
  });

  it('deletes a tenant together with its keys', async () => {
    const { tenants, apiKeys } = ctx().store;
    const tenant = await tenants.create({ id: unique('tdel'), name: 'gone soon' });
    const hash = unique('hash');
    await apiKeys.create({ id: unique('k'), tenantId: tenant.id, prefix: 'zg_abc', hash });
    expect(await tenants.delete(tenant.id)).toBe(true);
    expect(await tenants.get(tenant.id)).toBeUndefined();
    expect(await apiKeys.findActiveByHash(hash)).toBeUndefined();
    expect(await apiKeys.listByTenant(tenant.id)).toEqual([]);
    expect(await tenants.delete(tenant.id)).toBe(false);
  });

  it('refuses to delete a tenant that still has instances', async () => {
    const { tenants, instances } = ctx().store;
    const tenant = await tenants.create({ id: unique('tbusy'), name: 'busy' });
    const instance = await instances.create({
      id: unique('i'),
      tenantId: tenant.id,
      name: 'main',
      desiredState: 'running',
      settings: {},
    });
    await expectCode(tenants.delete(tenant.id), 'ZG_ERR_CONFLICT', /still has 1 instance/);
    expect(await tenants.get(tenant.id)).toBeDefined();
    await instances.delete(instance.id);
    expect(await tenants.delete(tenant.id)).toBe(true);
  });
}

export function apiKeyContract(ctx: () => ContractContext): void {
  it('creates a key and finds it by hash while active', async () => {
    const { tenants, apiKeys } = ctx().store;
    const tenant = await tenants.create({ id: unique('t'), name: 'keys' });
    const hash = unique('sha256');
    const key = await apiKeys.create({ id: unique('k'), tenantId: tenant.id, prefix: 'zg_live_', hash });
    expect(key).toMatchObject({ tenantId: tenant.id, prefix: 'zg_live_', hash, revokedAt: null });
    expect(key.createdAt).toBeInstanceOf(Date);
    expect(await apiKeys.findActiveByHash(hash)).toEqual(key);
    expect(await apiKeys.findActiveByHash('unknown-hash')).toBeUndefined();
  });

  it('lists the keys of one tenant in creation order', async () => {
    const { tenants, apiKeys } = ctx().store;
    const [t1, t2] = [
      await tenants.create({ id: unique('t'), name: '1' }),
      await tenants.create({ id: unique('t'), name: '2' }),
    ];
    const first = await apiKeys.create({ id: unique('k1'), tenantId: t1.id, prefix: 'a', hash: unique('h') });
    await sleep(2);
    const second = await apiKeys.create({
      id: unique('k0'),
      tenantId: t1.id,
      prefix: 'b',
      hash: unique('h'),
    });
    await apiKeys.create({ id: unique('k'), tenantId: t2.id, prefix: 'c', hash: unique('h') });
    expect(await apiKeys.listByTenant(t1.id)).toEqual([first, second]);
  });

  it('revokes one key: it is no longer found, and revoking again reports false', async () => {
    const { tenants, apiKeys } = ctx().store;
    const tenant = await tenants.create({ id: unique('t'), name: 'revoke' });
    const hash = unique('h');
    const key = await apiKeys.create({ id: unique('k'), tenantId: tenant.id, prefix: 'p', hash });
    expect(await apiKeys.revoke(key.id)).toBe(true);
    expect(await apiKeys.findActiveByHash(hash)).toBeUndefined();
    const [listed] = await apiKeys.listByTenant(tenant.id);
    expect(listed?.revokedAt).toBeInstanceOf(Date);
    expect(listed?.revokedAt?.getTime()).toBeGreaterThanOrEqual(key.createdAt.getTime());
    expect(await apiKeys.revoke(key.id)).toBe(false);
    expect(await apiKeys.revoke('no-such-key')).toBe(false);
  });

  it('revokes every active key of a tenant and no other', async () => {
    const { tenants, apiKeys } = ctx().store;
    const tenant = await tenants.create({ id: unique('t'), name: 'rotate' });
    const other = await tenants.create({ id: unique('t'), name: 'bystander' });
    const hashes = [unique('h'), unique('h'), unique('h')];
    const keys = [];
    for (const hash of hashes)
      keys.push(await apiKeys.create({ id: unique('k'), tenantId: tenant.id, prefix: 'p', hash }));
    await apiKeys.revoke(keys[0]?.id ?? '');
    const kept = await apiKeys.create({
      id: unique('k'),
      tenantId: other.id,
      prefix: 'p',
      hash: unique('h'),
    });
    expect(await apiKeys.revokeAllOfTenant(tenant.id)).toBe(2);
    for (const hash of hashes) expect(await apiKeys.findActiveByHash(hash)).toBeUndefined();
    expect(await apiKeys.findActiveByHash(kept.hash)).toEqual(kept);
    expect(await apiKeys.revokeAllOfTenant(tenant.id)).toBe(0);
  });

  it('refuses a duplicate hash and a key of an unknown tenant', async () => {
    const { tenants, apiKeys } = ctx().store;
    const tenant = await tenants.create({ id: unique('t'), name: 'dup' });
    const hash = unique('h');
    await apiKeys.create({ id: unique('k'), tenantId: tenant.id, prefix: 'p', hash });
    await expectCode(
      apiKeys.create({ id: unique('k'), tenantId: tenant.id, prefix: 'p', hash }),
      'ZG_ERR_CONFLICT',
    );
    await expectCode(
      apiKeys.create({ id: unique('k'), tenantId: 'no-such-tenant', prefix: 'p', hash: unique('h') }),
      'ZG_ERR_NOT_FOUND',
    );
  });
}
