import { randomUUID } from 'node:crypto';
import type { Campaign, Message, MessageStatus } from '../domain/message.ts';
import type { Principal } from '../domain/tenant.ts';
import { Errors } from '../errors.ts';
import type { InstanceService } from '../instances/instance-service.ts';
import type { StatusCounts, Store } from '../store/repositories.ts';
import {
  type CampaignMessage,
  type CampaignMessageInput,
  loadCampaignMedia,
  prepareCampaignMessage,
  textTemplateMessage,
} from './campaign-message.ts';
import { type CampaignRecipient, campaignRows, type DuplicateRecipient } from './campaign-rows.ts';
import type { Outbox } from './outbox.ts';

export { MAX_RECIPIENTS } from './campaign-rows.ts';

/** A campaign body: a bare text `template` (the original form) or a `message` of any send type. */
export interface CampaignInput {
  name?: string;
  template?: string;
  message?: CampaignMessageInput;
  recipients: CampaignRecipient[];
  /** Send once to a recipient given more than once (default); false sends to every line. */
  dedupe?: boolean;
  startAt?: string;
}

export type CampaignView = Campaign & { counts: StatusCounts };
/** The answer to a create: the campaign, and the recipients that were given more than once. */
export type CreatedCampaign = CampaignView & { duplicates: DuplicateRecipient[]; dedupe: boolean };

/** Bulk sends: one queued row per recipient, paced like every other message; pause, resume, cancel. */
export class CampaignService {
  constructor(
    private readonly store: Store,
    private readonly instances: InstanceService,
    private readonly outbox: Pick<Outbox, 'wake'>,
    private readonly options: { allowPrivateUrls: boolean; linkPreviews?: boolean } = {
      allowPrivateUrls: false,
    },
  ) {}

  async create(principal: Principal, idOrName: string, input: CampaignInput): Promise<CreatedCampaign> {
    const instance = await this.instances.find(principal, idOrName);
    const startAt = input.startAt ? new Date(input.startAt) : null;
    if (startAt && Number.isNaN(startAt.getTime()))
      throw Errors.validation('startAt must be an ISO date-time', { field: 'startAt' });
    const message = this.message(input);
    const id = randomUUID();
    const dedupe = input.dedupe ?? true;
    const { rows, duplicates } = campaignRows(message, input.recipients, dedupe, {
      id,
      instanceId: instance.id,
      tenantId: instance.tenantId,
      startAt,
    });
    // fetched once the rest is known to be good, and said on every row
    const media = await loadCampaignMedia(message, this.options.allowPrivateUrls);
    if (media) for (const row of rows) Object.assign(row.content, media);
    const campaign = await this.store.transaction(async (tx) => {
      const created = await tx.campaigns.create({
        id,
        instanceId: instance.id,
        tenantId: instance.tenantId,
        name: input.name ?? null,
        template: message.source,
        status: startAt && startAt > new Date() ? 'scheduled' : 'running',
        total: rows.length,
        startAt,
      });
      // one copy of the media for every row: the sender finds it under the campaign's id
      if (message.media) await tx.messageMedia.put(id, message.media);
      await tx.messages.insertMany(rows);
      return created;
    });
    this.outbox.wake(instance.id);
    return { ...(await this.view(campaign)), duplicates, dedupe };
  }

  /** The message every recipient gets: exactly one of a text `template` or a `message`. */
  private message(input: CampaignInput): CampaignMessage {
    if (input.template !== undefined && input.message !== undefined)
      throw Errors.validation('give either template (a text) or message (any type), not both', {
        field: 'message',
      });
    if (input.message)
      return prepareCampaignMessage(input.message, { linkPreviews: this.options.linkPreviews ?? false });
    if (input.template === undefined)
      throw Errors.validation('a campaign needs a message (or a text template)', { field: 'message' });
    return textTemplateMessage(input.template);
  }

  async get(principal: Principal, id: string): Promise<CampaignView> {
    return this.view(await this.find(principal, id));
  }

  /** A page of the campaigns this key can see, newest first, from `cursor` (the page before's nextCursor). */
  async page(
    principal: Principal,
    options: { limit: number; cursor?: string },
  ): Promise<{ items: CampaignView[]; nextCursor: string | null }> {
    const page = await this.store.campaigns.page(
      principal.kind === 'tenant' ? { tenantId: principal.tenantId } : {},
      options,
    );
    return { items: await Promise.all(page.items.map((c) => this.view(c))), nextCursor: page.nextCursor };
  }

  async act(principal: Principal, id: string, action: 'pause' | 'resume' | 'cancel'): Promise<CampaignView> {
    const campaign = await this.find(principal, id);
    const { status } = await this.view(campaign);
    if (status === 'cancelled' || status === 'completed')
      throw Errors.conflict(`campaign ${id} is ${status}`);
    const { messages, campaigns } = this.store;
    if (action === 'pause') {
      await messages.setCampaignStatus(id, ['queued'], 'paused');
      await campaigns.setStatus(id, 'paused');
    } else if (action === 'resume') {
      await messages.setCampaignStatus(id, ['paused'], 'queued');
      await campaigns.setStatus(id, 'running');
      this.outbox.wake(campaign.instanceId);
    } else {
      await messages.setCampaignStatus(id, ['queued', 'paused'], 'cancelled');
      await campaigns.setStatus(id, 'cancelled');
    }
    return this.get(principal, id);
  }

  /** A page of the campaign's messages, newest first (a status filters them). */
  async messages(
    principal: Principal,
    id: string,
    options: { limit: number; cursor?: string; status?: MessageStatus },
  ): Promise<{ items: Message[]; nextCursor: string | null }> {
    const campaign = await this.find(principal, id);
    return this.store.messages.list(campaign.instanceId, { ...options, campaignId: campaign.id });
  }

  private async find(principal: Principal, id: string): Promise<Campaign> {
    const campaign = await this.store.campaigns.get(id);
    if (!campaign || (principal.kind === 'tenant' && campaign.tenantId !== principal.tenantId))
      throw Errors.notFound(`campaign ${id}`);
    return campaign;
  }

  /**
   * The campaign with its counts; a running one with nothing left to send reads as completed. Only
   * the owner's CampaignProgress stores that, so that it announces `campaign.completed` once.
   */
  private async view(c: Campaign): Promise<CampaignView> {
    const counts = await this.store.messages.countByStatus({ campaignId: c.id });
    const pending = (counts.queued ?? 0) + (counts.sending ?? 0) + (counts.paused ?? 0);
    if ((c.status === 'running' || c.status === 'scheduled') && pending === 0)
      return { ...c, status: 'completed', counts };
    if (c.status === 'scheduled' && c.startAt && c.startAt <= new Date())
      return { ...c, status: 'running', counts };
    return { ...c, counts };
  }
}
