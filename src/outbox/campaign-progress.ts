import type { Campaign } from '../domain/message.ts';
import type { CampaignCountsData, GatewayEvent } from '../events/event-map.ts';
import type { EventPublisher } from '../events/event-publisher.ts';
import type { Logger } from '../observability/logger.ts';
import type { StatusCounts, Store } from '../store/repositories.ts';

/** A campaign's progress is announced at most this often (its completion at once). */
export const PROGRESS_INTERVAL_MS = 1_000;

/** Rows that still have to be sent, or may be again. */
const pendingOf = (counts: StatusCounts): number =>
  (counts.queued ?? 0) + (counts.sending ?? 0) + (counts.paused ?? 0);

export type Owner = GatewayEvent['instance'] & { tenantId: string | null };

/**
 * `campaign.progress` and `campaign.completed`, on the process that owns the instance: a status
 * change of a campaign's message (`message.status`) asks for the campaign's counts, at most once a
 * `PROGRESS_INTERVAL_MS` per campaign; the count that finds nothing left to send completes the
 * campaign, and only the call whose conditional update moved it to `completed` announces that.
 */
export class CampaignProgress {
  private readonly lastAnnounced = new Map<string, number>();
  private readonly waiting = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly events: Pick<EventPublisher, 'publish'>,
    private readonly logger: Logger,
    private readonly intervalMs = PROGRESS_INTERVAL_MS,
  ) {}

  /** Listens on the owner's bus. */
  readonly onEvent = (event: GatewayEvent): void => {
    if (event.event !== 'message.status' || this.stopped) return;
    const { campaignId } = event.data as GatewayEvent<'message.status'>['data'];
    if (!campaignId || this.waiting.has(campaignId)) return;
    const owner: Owner = { ...event.instance, tenantId: event.tenantId };
    const since = Date.now() - (this.lastAnnounced.get(campaignId) ?? 0);
    const timer = setTimeout(
      () => {
        this.waiting.delete(campaignId);
        this.lastAnnounced.set(campaignId, Date.now());
        this.announce(campaignId, owner).catch((err) =>
          this.logger.error({ err, campaignId }, 'announcing campaign progress failed'),
        );
      },
      Math.max(0, this.intervalMs - since),
    );
    this.waiting.set(campaignId, timer);
  };

  /** Publishes the campaign's counts now, and completes it when nothing is left to send. */
  async announce(campaignId: string, owner: Owner): Promise<void> {
    const campaign = await this.store.campaigns.get(campaignId);
    if (!campaign || campaign.status === 'cancelled' || campaign.status === 'completed') {
      this.lastAnnounced.delete(campaignId);
      return;
    }
    const counts = await this.store.messages.countByStatus({ campaignId });
    await this.events.publish('campaign.progress', owner, countsData(campaign, counts));
    if (pendingOf(counts) > 0 || campaign.status === 'paused') return;
    const completed = await this.store.campaigns.transition(
      campaignId,
      ['running', 'scheduled'],
      'completed',
    );
    if (!completed) return;
    this.lastAnnounced.delete(campaignId);
    await this.events.publish('campaign.completed', owner, countsData(completed, counts));
  }

  /**
   * At start: campaigns left running with nothing to send (their last status change came just
   * before a crash) are completed and announced now. Every owner may sweep; the transition picks one.
   */
  async sweep(): Promise<void> {
    const open = (await this.store.campaigns.list({})).filter(
      (c) => c.status === 'running' || c.status === 'scheduled',
    );
    for (const campaign of open) {
      if (this.stopped) return;
      const counts = await this.store.messages.countByStatus({ campaignId: campaign.id });
      if (pendingOf(counts) > 0) continue;
      const instance = await this.store.instances.get(campaign.instanceId);
      if (!instance) continue;
      const completed = await this.store.campaigns.transition(
        campaign.id,
        ['running', 'scheduled'],
        'completed',
      );
      if (completed) await this.events.publish('campaign.completed', instance, countsData(completed, counts));
    }
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
  }
}

function countsData(campaign: Campaign, counts: StatusCounts): CampaignCountsData {
  return {
    campaignId: campaign.id,
    name: campaign.name,
    status: campaign.status,
    total: campaign.total,
    counts: { ...counts } as Record<string, number>,
  };
}
