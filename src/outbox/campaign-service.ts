import { randomUUID } from 'node:crypto';
import type { Campaign } from '../domain/message.ts';
import type { Principal } from '../domain/tenant.ts';
import { Errors } from '../errors.ts';
import type { InstanceService } from '../instances/instance-service.ts';
import type { NewMessage, StatusCounts, Store } from '../store/repositories.ts';
import {
  MAX_CAMPAIGN_TEXT,
  MAX_MESSAGE_TEXT,
  parseTemplate,
  render,
  type Vars,
} from './campaign-template.ts';
import { chatJidOf } from './message-input.ts';
import { newWaMessageId } from './message-service.ts';
import type { Outbox } from './outbox.ts';

export const MAX_RECIPIENTS = 10_000;
export interface CampaignInput {
  name?: string;
  template: string;
  recipients: Array<{ to: string; vars?: Vars }>;
  startAt?: string;
}

export type CampaignView = Campaign & { counts: StatusCounts };

/** Bulk sends: one queued row per recipient, paced like every other message; pause, resume, cancel. */
export class CampaignService {
  constructor(
    private readonly store: Store,
    private readonly instances: InstanceService,
    private readonly outbox: Pick<Outbox, 'wake'>,
  ) {}

  async create(principal: Principal, idOrName: string, input: CampaignInput): Promise<CampaignView> {
    const instance = await this.instances.find(principal, idOrName);
    const startAt = input.startAt ? new Date(input.startAt) : null;
    if (startAt && Number.isNaN(startAt.getTime()))
      throw Errors.validation('startAt must be an ISO date-time', { field: 'startAt' });
    const id = randomUUID();
    const rows = this.rows(input, { id, instanceId: instance.id, tenantId: instance.tenantId, startAt });
    const campaign = await this.store.transaction(async (tx) => {
      const created = await tx.campaigns.create({
        id,
        instanceId: instance.id,
        tenantId: instance.tenantId,
        name: input.name ?? null,
        template: input.template,
        status: startAt && startAt > new Date() ? 'scheduled' : 'running',
        total: rows.length,
        startAt,
      });
      await tx.messages.insertMany(rows);
      return created;
    });
    this.outbox.wake(instance.id);
    return this.view(campaign);
  }

  /** One row per distinct recipient; every missing variable is reported at once. */
  private rows(
    input: CampaignInput,
    c: { id: string; instanceId: string; tenantId: string | null; startAt: Date | null },
  ): NewMessage[] {
    if (input.recipients.length === 0)
      throw Errors.validation('recipients must not be empty', { field: 'recipients' });
    if (input.recipients.length > MAX_RECIPIENTS)
      throw Errors.validation(`at most ${MAX_RECIPIENTS} recipients per campaign`);
    const template = parseTemplate(input.template);
    const seen = new Set<string>();
    const rows: NewMessage[] = [];
    const missing: Array<{ index: number; to: string; missing: string[] }> = [];
    const tooLong: Array<{ index: number; to: string; length: number }> = [];
    let totalLength = 0;
    input.recipients.forEach((r, index) => {
      const chatJid = chatJidOf(r.to);
      if (seen.has(chatJid)) return;
      seen.add(chatJid);
      const rendered = render(template, r.vars ?? {});
      if ('missing' in rendered) missing.push({ index, to: r.to, missing: rendered.missing });
      else if ('tooLong' in rendered) tooLong.push({ index, to: r.to, length: rendered.tooLong });
      else if (missing.length === 0 && tooLong.length === 0) {
        totalLength += rendered.text.length;
        if (totalLength > MAX_CAMPAIGN_TEXT)
          throw Errors.validation(
            `the campaign renders to more than ${MAX_CAMPAIGN_TEXT} characters in all: split it into smaller campaigns`,
            { field: 'recipients' },
          );
        rows.push(this.row(c, chatJid, rendered.text));
      }
    });
    if (missing.length) {
      const names = [...new Set(missing.flatMap((m) => m.missing))];
      throw Errors.validation(`the template uses variables some recipients lack: ${names.join(', ')}`, {
        missing: missing.slice(0, 100),
      });
    }
    if (tooLong.length)
      throw Errors.validation(
        `the filled template is longer than ${MAX_MESSAGE_TEXT} characters for ${tooLong.length} recipient(s)`,
        { field: 'template', tooLong: tooLong.slice(0, 100) },
      );
    return rows;
  }

  private row(
    c: { id: string; instanceId: string; tenantId: string | null; startAt: Date | null },
    chatJid: string,
    text: string,
  ): NewMessage {
    return {
      id: randomUUID(),
      instanceId: c.instanceId,
      tenantId: c.tenantId,
      waMessageId: newWaMessageId(),
      direction: 'outbound',
      chatJid,
      type: 'text',
      content: { text },
      status: 'queued',
      campaignId: c.id,
      nextAttemptAt: c.startAt,
    };
  }

  async get(principal: Principal, id: string): Promise<CampaignView> {
    return this.view(await this.find(principal, id));
  }

  async list(principal: Principal): Promise<CampaignView[]> {
    const campaigns = await this.store.campaigns.list(
      principal.kind === 'tenant' ? { tenantId: principal.tenantId } : {},
    );
    return Promise.all(campaigns.map((c) => this.view(c)));
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
