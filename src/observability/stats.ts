import { INSTANCE_STATUSES, type Instance, type InstanceStatus } from '../domain/instance.ts';
import { MESSAGE_STATUSES, type Message, type MessageStatus } from '../domain/message.ts';
import type { DirectionStatusCount, MessageCountFilter, Store } from '../store/repositories.ts';

/** Webhook deliveries waiting to go out and given up on. */
export interface WebhookCounts {
  pending: number;
  dead: number;
}

/** Whose numbers: a tenant's (undefined: everyone's), or one instance's. */
export interface StatsScope {
  tenantId?: string;
  instanceId?: string;
}

/** Where webhook numbers come from; the webhook outbox plugs in here. */
export type WebhookStatsProvider = (scope: StatsScope) => WebhookCounts | Promise<WebhookCounts>;
export const noWebhookStats: WebhookStatsProvider = () => ({ pending: 0, dead: 0 });

export interface InstanceTally {
  total: number;
  byStatus: Record<InstanceStatus, number>;
}

export interface MessageTally {
  total: number;
  inbound: number;
  outbound: number;
  failed: number;
  last24h: number;
  byStatus: Record<MessageStatus, number>;
}

/** A message as the metrics list it: enough to see what went through, not its content. */
export interface RecentMessage {
  id: string;
  instanceId: string;
  direction: Message['direction'];
  chat: string;
  type: Message['type'];
  status: Message['status'];
  errorCode: string | null;
  createdAt: string;
}

export interface GatewaySummary {
  generatedAt: string;
  instances: InstanceTally;
  /** failedLast24h: created in the last 24 hours and failed. */
  messages: MessageTally & { failedLast24h: number };
  /** The newest messages of either direction, newest first (at most LATEST_MESSAGES). */
  latestMessages: RecentMessage[];
  webhooks: WebhookCounts;
}

/** How many of the newest messages a summary lists. */
export const LATEST_MESSAGES = 10;

const recent = (m: Message): RecentMessage => ({
  id: m.id,
  instanceId: m.instanceId,
  direction: m.direction,
  chat: m.chatJid,
  type: m.type,
  status: m.status,
  errorCode: m.errorCode,
  createdAt: m.createdAt.toISOString(),
});

const zeros = <K extends string>(keys: readonly K[]): Record<K, number> =>
  Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

/** Instances counted by status; every status is present, with 0 when none has it. */
export function tallyInstances(statuses: readonly InstanceStatus[]): InstanceTally {
  const byStatus = zeros(INSTANCE_STATUSES);
  for (const status of statuses) byStatus[status] = (byStatus[status] ?? 0) + 1;
  return { total: statuses.length, byStatus };
}

/** Message totals from per-direction-and-status counts; every status is present in byStatus. */
export function tallyMessages(rows: readonly DirectionStatusCount[], last24h: number): MessageTally {
  const tally: MessageTally = {
    total: 0,
    inbound: 0,
    outbound: 0,
    failed: 0,
    last24h,
    byStatus: zeros(MESSAGE_STATUSES),
  };
  for (const { direction, status, count } of rows) {
    tally.total += count;
    tally[direction] += count;
    tally.byStatus[status] = (tally.byStatus[status] ?? 0) + count;
  }
  tally.failed = tally.byStatus.failed;
  return tally;
}

const DAY_MS = 86_400_000;

/** The numbers behind GET /api/v1/metrics, always scoped to what the caller may see. */
export class StatsService {
  constructor(
    private readonly store: Pick<Store, 'instances' | 'messages'>,
    private readonly webhooks: WebhookStatsProvider = noWebhookStats,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A tenant's (or everyone's) numbers. */
  async summary(tenantId: string | undefined): Promise<GatewaySummary> {
    const instances = await this.store.instances.list(tenantId === undefined ? {} : { tenantId });
    return this.collect(instances, tenantId === undefined ? {} : { tenantId }, { tenantId });
  }

  /** One instance's numbers; the caller has already checked it may see it. */
  instanceSummary(instance: Instance): Promise<GatewaySummary> {
    const scope = { instanceId: instance.id, ...(instance.tenantId ? { tenantId: instance.tenantId } : {}) };
    return this.collect([instance], { instanceId: instance.id }, scope);
  }

  private async collect(
    instances: readonly Instance[],
    filter: MessageCountFilter,
    scope: StatsScope,
  ): Promise<GatewaySummary> {
    const now = this.now();
    const { messages } = this.store;
    const dayAgo = new Date(now.getTime() - DAY_MS);
    const [rows, last24h, failedLast24h, latest, webhooks] = await Promise.all([
      messages.countByDirectionAndStatus(filter),
      messages.countSince(filter, dayAgo),
      messages.countFailedSince(filter, dayAgo),
      messages.latest(filter, LATEST_MESSAGES),
      this.webhooks(scope),
    ]);
    return {
      generatedAt: now.toISOString(),
      instances: tallyInstances(instances.map((i) => i.status)),
      messages: { ...tallyMessages(rows, last24h), failedLast24h },
      latestMessages: latest.map(recent),
      webhooks: { pending: webhooks.pending, dead: webhooks.dead },
    };
  }
}
