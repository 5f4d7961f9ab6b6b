import { expect, it } from 'vitest';
import type { NewInstance } from '../../../src/store/repositories.ts';
import type { ContractContext } from './fixture.ts';
import { unique } from './fixture.ts';

const newInstance = (overrides: Partial<NewInstance> = {}): NewInstance => ({
  id: unique('inst'),
  tenantId: null,
  name: unique('name'),
  desiredState: 'stopped',
  settings: {},
  ...overrides,
});

/** Migration 011: an instance's free label and metadata object. */
export function instanceLabelContract(ctx: () => ContractContext): void {
  it('keeps a label and a metadata object, and gives none as null and {}', async () => {
    const { instances } = ctx().store;
    const metadata = { crm: 'ACME-042', nested: { list: [1, 'ß', null], on: true } };
    const labelled = await instances.create(newInstance({ label: 'store-sp', metadata }));
    expect(labelled).toMatchObject({ label: 'store-sp', metadata });
    expect(await instances.get(labelled.id)).toEqual(labelled);
    const bare = await instances.create(newInstance());
    expect(await instances.get(bare.id)).toMatchObject({ label: null, metadata: {} });
  });

  it('changes and clears them by patch, leaving the rest as it was', async () => {
    const { instances } = ctx().store;
    const created = await instances.create(newInstance({ label: 'before', metadata: { a: 1 } }));
    const relabelled = await instances.update(created.id, { label: 'after', metadata: { b: 2 } });
    expect(relabelled).toMatchObject({ label: 'after', metadata: { b: 2 }, name: created.name });
    const renamed = await instances.update(created.id, { name: unique('renamed') });
    expect(renamed).toMatchObject({ label: 'after', metadata: { b: 2 } });
    const cleared = await instances.update(created.id, { label: null, metadata: {} });
    expect(cleared).toMatchObject({ label: null, metadata: {} });
  });

  it('lists by exact label, within a tenant scope', async () => {
    const { instances } = ctx().store;
    const label = unique('team');
    const tenantId = unique('t');
    const mine = await instances.create(newInstance({ tenantId, label }));
    const free = await instances.create(newInstance({ label }));
    await instances.create(newInstance({ tenantId, label: `${label}-other` }));
    await instances.create(newInstance({ tenantId }));
    const ids = async (filter: Parameters<typeof instances.list>[0]) =>
      (await instances.list(filter)).map((i) => i.id);
    expect(await ids({ label })).toEqual([mine.id, free.id]);
    expect(await ids({ label, tenantId })).toEqual([mine.id]);
    expect(await ids({ label, tenantId: null })).toEqual([free.id]);
    expect(await ids({ label: label.toUpperCase() })).toEqual([]);
  });
}
