import { expect, it } from 'vitest';
import type { ContractContext } from './fixture.ts';
import { unique } from './fixture.ts';
import { at, newMessage } from './message-fixture.ts';

const campaign = (instanceId: string, id: string) => ({
  id,
  instanceId,
  tenantId: null,
  name: null,
  template: 'Hi {{name}}',
  status: 'running' as const,
  total: 2,
  startAt: null,
});

/** A campaign's media is kept once, under the campaign's id, for all of its messages. */
export function campaignMediaContract(ctx: () => ContractContext): void {
  it('deleteOrphans keeps a campaign’s shared media while one of its messages is left', async () => {
    const { store } = ctx();
    const instanceId = unique('i');
    const campaignId = unique('c');
    await store.campaigns.create(campaign(instanceId, campaignId));
    // sent long ago, one after the other: retention takes them one at a time
    const rows = [0, 500].map((ms) =>
      newMessage({
        instanceId,
        type: 'image',
        campaignId,
        status: 'sent',
        createdAt: at(900_000_000_000 + ms),
      }),
    );
    await store.messages.insertMany(rows);
    await store.messageMedia.put(campaignId, Buffer.from('one copy'));
    await store.messageMedia.deleteOrphans();
    expect(await store.messageMedia.get(campaignId)).toEqual(Buffer.from('one copy'));
    await store.messages.deleteOlderThan(at(900_000_000_100));
    expect(await store.messages.get(rows[0]?.id ?? '')).toBeUndefined();
    expect(await store.messages.get(rows[1]?.id ?? '')).toBeDefined();
    await store.messageMedia.deleteOrphans();
    expect(await store.messageMedia.get(campaignId)).toEqual(Buffer.from('one copy'));
    await store.messages.deleteOlderThan(at(900_000_001_000));
    expect(await store.messageMedia.deleteOrphans()).toBeGreaterThanOrEqual(1);
    expect(await store.messageMedia.get(campaignId)).toBeUndefined();
  });

  it('campaigns.deleteByInstance removes the media its campaigns kept, and no one else’s', async () => {
    const { store } = ctx();
    const [gone, kept] = [unique('i'), unique('i')];
    const [goneCampaign, keptCampaign] = [unique('c'), unique('c')];
    await store.campaigns.create(campaign(gone, goneCampaign));
    await store.campaigns.create(campaign(kept, keptCampaign));
    await store.messageMedia.put(goneCampaign, Buffer.from('gone'));
    await store.messageMedia.put(keptCampaign, Buffer.from('kept'));
    expect(await store.campaigns.deleteByInstance(gone)).toBe(1);
    expect(await store.campaigns.get(goneCampaign)).toBeUndefined();
    expect(await store.messageMedia.get(goneCampaign)).toBeUndefined();
    expect(await store.messageMedia.get(keptCampaign)).toEqual(Buffer.from('kept'));
    expect(await store.campaigns.deleteByInstance(gone)).toBe(0);
  });
}
