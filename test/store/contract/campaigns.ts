import { expect, it } from 'vitest';
import type { Campaign } from '../../../src/domain/message.ts';
import type { ContractContext } from './fixture.ts';
import { expectCode, sleep, unique } from './fixture.ts';
import { at, chat, newMessage } from './message-fixture.ts';

type NewCampaign = Omit<Campaign, 'createdAt' | 'updatedAt'>;

const newCampaign = (overrides: Partial<NewCampaign> = {}): NewCampaign => ({
  id: unique('camp'),
  instanceId: unique('i'),
  tenantId: null,
  name: 'Promoção de verão ☀️',
  template: 'Oi {{name}}, 10% off 🎉',
  status: 'scheduled',
  total: 250,
  startAt: at(1_900_000_000_000),
  ...overrides,
});

export function campaignContract(ctx: () => ContractContext): void {
  it('creates a campaign and reads it back unchanged', async () => {
    const { campaigns } = ctx().store;
    const input = newCampaign();
    const created = await campaigns.create(input);
    expect(created).toMatchObject(input);
    expect(created.createdAt).toBeInstanceOf(Date);
    expect(created.updatedAt.getTime()).toBe(created.createdAt.getTime());
    expect(await campaigns.get(input.id)).toEqual(created);
    const bare = await campaigns.create(newCampaign({ name: null, startAt: null, status: 'running' }));
    expect(await campaigns.get(bare.id)).toMatchObject({ name: null, startAt: null, status: 'running' });
    expect(await campaigns.get('no-such-campaign')).toBeUndefined();
    await expectCode(campaigns.create(newCampaign({ id: input.id })), 'ZG_ERR_CONFLICT', /already exists/);
  });

  it('lists campaigns newest first, by tenant and by instance', async () => {
    const { campaigns } = ctx().store;
    const tenantId = unique('t');
    const instanceId = unique('i');
    const first = await campaigns.create(newCampaign({ tenantId, instanceId }));
    await sleep(2);
    const second = await campaigns.create(newCampaign({ tenantId }));
    const tenantless = await campaigns.create(newCampaign({ instanceId }));
    expect(await campaigns.list({ tenantId })).toEqual([second, first]);
    expect(await campaigns.list({ instanceId })).toEqual([tenantless, first]);
    expect(await campaigns.list({ instanceId, tenantId })).toEqual([first]);
    expect(await campaigns.list({ instanceId, tenantId: null })).toEqual([tenantless]);
    expect((await campaigns.list({})).map((c) => c.id)).toEqual(
      expect.arrayContaining([first.id, tenantless.id]),
    );
    expect(await campaigns.list({ tenantId: unique('nobody') })).toEqual([]);
  });

  it('moves a campaign to a status only from the ones named, once', async () => {
    const { campaigns } = ctx().store;
    const created = await campaigns.create(newCampaign({ status: 'running' }));
    const done = await campaigns.transition(created.id, ['running', 'scheduled'], 'completed');
    expect(done).toMatchObject({ id: created.id, status: 'completed' });
    expect(await campaigns.transition(created.id, ['running', 'scheduled'], 'completed')).toBeUndefined();
    const cancelled = await campaigns.create(newCampaign({ status: 'cancelled' }));
    expect(await campaigns.transition(cancelled.id, ['running'], 'completed')).toBeUndefined();
    expect((await campaigns.get(cancelled.id))?.status).toBe('cancelled');
    expect(await campaigns.transition('no-such-campaign', ['running'], 'completed')).toBeUndefined();
  });

  it('changes the status of a campaign', async () => {
    const { campaigns } = ctx().store;
    const created = await campaigns.create(newCampaign());
    await sleep(2);
    const paused = await campaigns.setStatus(created.id, 'paused');
    expect(paused).toMatchObject({ ...created, status: 'paused', updatedAt: expect.any(Date) });
    expect(paused?.updatedAt.getTime()).toBeGreaterThan(created.updatedAt.getTime());
    expect(await campaigns.get(created.id)).toEqual(paused);
    expect(await campaigns.setStatus('no-such-campaign', 'cancelled')).toBeUndefined();
  });

  it('deletes the campaigns of one instance', async () => {
    const { campaigns } = ctx().store;
    const [gone, kept] = [unique('i'), unique('i')];
    await campaigns.create(newCampaign({ instanceId: gone }));
    await campaigns.create(newCampaign({ instanceId: gone }));
    const stays = await campaigns.create(newCampaign({ instanceId: kept }));
    expect(await campaigns.deleteByInstance(gone)).toBe(2);
    expect(await campaigns.list({ instanceId: gone })).toEqual([]);
    expect(await campaigns.list({ instanceId: kept })).toEqual([stays]);
    expect(await campaigns.deleteByInstance(gone)).toBe(0);
  });

  it('pauses, resumes and cancels the queued rows of a campaign, and counts them', async () => {
    const { messages } = ctx().store;
    const instanceId = unique('i');
    const campaignId = unique('camp');
    const rows = Array.from({ length: 6 }, (_, n) =>
      newMessage({ instanceId, campaignId, chatJid: chat(n) }),
    );
    await messages.insertMany([...rows, newMessage({ instanceId, campaignId: unique('other') })]);
    const [sent = '', sending = ''] = rows.map((r) => r.id);
    await messages.claim(sent, at(1));
    await messages.markSent(sent, at(2));
    await messages.claim(sending, at(3));
    expect(await messages.countByStatus({ campaignId })).toEqual({ queued: 4, sending: 1, sent: 1 });
    expect(await messages.setCampaignStatus(campaignId, ['queued'], 'paused')).toBe(4);
    expect(await messages.nextDue(instanceId, at(10))).toMatchObject({
      campaignId: expect.not.stringMatching(campaignId),
    });
    expect(await messages.setCampaignStatus(campaignId, ['paused'], 'queued')).toBe(4);
    expect(await messages.setCampaignStatus(campaignId, ['queued', 'paused'], 'cancelled')).toBe(4);
    expect(await messages.setCampaignStatus(campaignId, [], 'queued')).toBe(0);
    expect(await messages.countByStatus({ campaignId })).toEqual({ cancelled: 4, sending: 1, sent: 1 });
    expect(await messages.countByStatus({ instanceId, campaignId })).toEqual({
      cancelled: 4,
      sending: 1,
      sent: 1,
    });
    expect(await messages.setCampaignStatus(unique('none'), ['queued'], 'paused')).toBe(0);
  });
}
