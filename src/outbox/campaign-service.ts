import { randomUUID } from 'node:crypto';
import type { Campaign } from '../domain/message.ts';
import type { Principal } from '../domain/tenant.ts';
import { Errors } from '../errors.ts';
import type { InstanceService } from '../instances/instance-service.ts';
import type { NewMessage, StatusCounts, Store } from '../store/repositories.ts';
import { chatJidOf } from './message-input.ts';
import { newWaMessageId } from './message-service.ts';
import type { Outbox } from './outbox.ts';

export const MAX_RECIPIENTS = 10_000;
const VAR = /\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}/g;

export interface CampaignInput {
  name?: string;
  template: string;
  recipients: Array<{ to: string; vars?: Record<string, string | number | boolean> }>;
  startAt?: string;
}

/** Fills `{{name}}` placeholders; returns the names a recipient lacks instead when there are any. */
export function render(
  template: string,
  vars: Record<string, unknown>,
): { text: string } | { missing: string[] } {
  const missing = [...template.matchAll(VAR)]
    .map((m) => m[1] ?? '')
    .filter((name) => vars[name] === undefined || vars[name] === null);
  if (missing.length) return { missing: [...new Set(missing)] };
  return { text: template.replace(VAR, (_, name: string) => String(vars[name])) };
}

export type CampaignView = Campaign & { counts: StatusCounts };

/** Bulk sends: one queued row per recipient, paced like every other message; pause, resume, cancel. */
export class CampaignService {
  constructor(
    private readonly store: Store,
    private readonly instances: InstanceService,
    private readonly outbox: Outbox,
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
    const seen = new Set<string>();
    const rows: NewMessage[] = [];
    const missing: Array<{ index: number; to: string; missing: string[] }> = [];
    input.recipients.forEach((r, index) => {
      const chatJid = chatJidOf(r.to);
      if (seen.has(chatJid)) return;
      seen.add(chatJid);
      const rendered = render(input.template, r.vars ?? {});
      if ('missing' in rendered) {
        missing.push({ index, to: r.to, missing: rendered.missing });
        return;
      }
      rows.push({
        id: randomUUID(),
        instanceId: c.instanceId,
        tenantId: c.tenantId,
        waMessageId: newWaMessageId(),
        direction: 'outbound',
        chatJid,
        type: 'text',
        content: { text: rendered.text },
        status: 'queued',
        campaignId: c.id,
        nextAttemptAt: c.startAt,
      });
    });
    if (missing.length) {
      const names = [...new Set(missing.flatMap((m) => m.missing))];
      throw Errors.validation(`the template uses variables some recipients lack: ${names.join(', ')}`, {
        missing,
      });
    }
    return rows;
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
    if (campaign.status === 'cancelled' || campaign.status === 'completed')
      throw Errors.conflict(`campaign ${id} is ${campaign.status}`);
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

  /** The campaign with its counts; a running one with nothing left to send reads as completed. */
  private async view(c: Campaign): Promise<CampaignView> {
    const counts = await this.store.messages.countByStatus({ campaignId: c.id });
    const pending = (counts.queued ?? 0) + (counts.sending ?? 0) + (counts.paused ?? 0);
    if ((c.status === 'running' || c.status === 'scheduled') && pending === 0) {
      const done = await this.store.campaigns.setStatus(c.id, 'completed');
      return { ...(done ?? c), counts };
    }
    if (c.status === 'scheduled' && c.startAt && c.startAt <= new Date())
      return { ...c, status: 'running', counts };
    return { ...c, counts };
  }
}
