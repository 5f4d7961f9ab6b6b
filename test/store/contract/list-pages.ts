import { expect, it } from 'vitest';
import type { Campaign } from '../../../src/domain/message.ts';
import type { NewInstance } from '../../../src/store/repositories.ts';
import type { ContractContext } from './fixture.ts';
import { expectCode, unique } from './fixture.ts';
import { newMessage } from './message-fixture.ts';

const newInstance = (overrides: Partial<NewInstance> = {}): NewInstance => ({
  id: unique('inst'),
  tenantId: null,
  name: unique('name'),
  desiredState: 'stopped',
  settings: {},
  ...overrides,
});

const newCampaign = (overrides: Partial<Omit<Campaign, 'createdAt' | 'updatedAt'>> = {}) => ({
  id: unique('camp'),
  instanceId: unique('i'),
  tenantId: null,
  name: null,
  template: 'hi',
  status: 'running' as const,
  total: 1,
  startAt: null,
  ...overrides,
});

type Page = { items: Array<{ id: string }>; nextCursor: string | null };

/** Every id of a paged list, `limit` at a time, checking each page's size on the way. */
async function walk(page: (cursor?: string) => Promise<Page>, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 20; pages++) {
    const answer = await page(cursor);
    expect(answer.items.length).toBeLessThanOrEqual(limit);
    ids.push(...answer.items.map((i) => i.id));
    if (!answer.nextCursor) break;
    cursor = answer.nextCursor;
  }
  return ids;
}

const withCursor = (limit: number, cursor?: string) => (cursor ? { limit, cursor } : { limit });
const FOREIGN_CURSORS = [
  'nope',
  'AAAA',
  Buffer.from('c1.\u0000', 'utf8').toString('base64url'),
  'x'.repeat(300),
];

/** The paged lists (GET /instances, GET /campaigns): a cursor resumes right after the last item. */
export function listPageContract(ctx: () => ContractContext): void {
  it('pages instances oldest first, as list orders them, and ends with a null cursor', async () => {
    const { instances } = ctx().store;
    const tenantId = unique('t');
    // created one after another, several within one millisecond: the id breaks the tie
    for (let i = 0; i < 5; i++) await instances.create(newInstance({ tenantId }));
    await instances.create(newInstance({ tenantId: unique('other') }));
    const ids = await walk((cursor) => instances.page({ tenantId }, withCursor(2, cursor)), 2);
    expect(ids).toEqual((await instances.list({ tenantId })).map((i) => i.id));
    expect(ids).toHaveLength(5);
    // exactly a page's worth: no cursor to an empty page
    expect((await instances.page({ tenantId }, { limit: 5 })).nextCursor).toBeNull();
  });

  it('pages instances by label', async () => {
    const { instances } = ctx().store;
    const tenantId = unique('t');
    const label = unique('l');
    const labelled = [];
    for (let i = 0; i < 3; i++) labelled.push((await instances.create(newInstance({ tenantId, label }))).id);
    await instances.create(newInstance({ tenantId }));
    expect(await walk((cursor) => instances.page({ tenantId, label }, withCursor(2, cursor)), 2)).toEqual(
      labelled,
    );
  });

  it('pages campaigns newest first, as list orders them, by tenant and by instance', async () => {
    const { campaigns } = ctx().store;
    const tenantId = unique('t');
    const instanceId = unique('i');
    for (let i = 0; i < 5; i++)
      await campaigns.create(newCampaign({ tenantId, instanceId: i < 3 ? instanceId : unique('i') }));
    await campaigns.create(newCampaign({ instanceId }));
    const ids = await walk((cursor) => campaigns.page({ tenantId }, withCursor(2, cursor)), 2);
    expect(ids).toEqual((await campaigns.list({ tenantId })).map((c) => c.id));
    expect(ids).toHaveLength(5);
    const ofInstance = await walk((cursor) => campaigns.page({ instanceId }, withCursor(1, cursor)), 1);
    expect(ofInstance).toEqual((await campaigns.list({ instanceId })).map((c) => c.id));
    expect(ofInstance).toHaveLength(4);
  });

  it("pages a campaign's messages newest first, only that campaign's, by status too", async () => {
    const { messages } = ctx().store;
    const instanceId = unique('i');
    const [campaignId, other] = [unique('camp'), unique('camp')];
    const mine: string[] = [];
    for (let i = 0; i < 5; i++)
      mine.unshift((await messages.insert(newMessage({ instanceId, campaignId }))).message.id);
    await messages.insert(newMessage({ instanceId, campaignId: other }));
    await messages.insert(newMessage({ instanceId }));
    const ids = await walk(
      (cursor) => messages.list(instanceId, { campaignId, ...withCursor(2, cursor) }),
      2,
    );
    expect(ids).toEqual(mine);
    await messages.markFailed(mine[0] ?? '', 'ZG_ERR_TEST', 'failed on purpose', new Date());
    const failed = await messages.list(instanceId, { campaignId, status: 'failed', limit: 10 });
    expect(failed.items.map((m) => m.id)).toEqual([mine[0]]);
  });

  it('refuses a cursor it did not give with a validation error', async () => {
    const { instances, campaigns } = ctx().store;
    for (const cursor of FOREIGN_CURSORS) {
      await expectCode(instances.page({}, { limit: 1, cursor }), 'ZG_ERR_VALIDATION');
      await expectCode(campaigns.page({}, { limit: 1, cursor }), 'ZG_ERR_VALIDATION');
    }
  });
}
