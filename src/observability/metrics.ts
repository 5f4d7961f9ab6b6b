import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { INSTANCE_STATUSES, type InstanceStatus } from '../domain/instance.ts';
import { MESSAGE_STATUSES, type MessageDirection } from '../domain/message.ts';
import type { DirectionStatusCount, Store } from '../store/repositories.ts';

/** What became of one webhook delivery attempt: 2xx, failed (retried later), or given up on. */
export const WEBHOOK_OUTCOMES = ['delivered', 'failed', 'dead'] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

const DIRECTIONS: readonly MessageDirection[] = ['inbound', 'outbound'];

/** Queue wait + pacing + the send itself: from tens of milliseconds to an hour behind a daily cap. */
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600];

/** What one scrape reads from the database, shared by every metric that needs it. */
interface StoreSnapshot {
  instances: Array<{ id: string; status: InstanceStatus }>;
  messages: DirectionStatusCount[];
  queuedByInstance: Map<string, number>;
}

export interface MetricsDeps {
  store: Pick<Store, 'instances' | 'messages'>;
  logger?: { warn(details: object, message: string): void };
}

/**
 * The gateway's Prometheus metrics, in a registry of their own (never prom-client's global one):
 * numbers that live in the database are read from it on each scrape, so they survive restarts
 * and crashes; what only happens in this process (send latency, webhook outcomes) is observed
 * as it happens. Default process metrics (memory, CPU, event loop lag, GC) carry the same prefix.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly sendLatency: Histogram;
  private readonly webhookDeliveries: Counter<'outcome'>;
  private readonly leaseChanges: Counter<'change'>;
  private readonly commandLatency: Histogram<'kind' | 'outcome'>;
  private scrape: Promise<StoreSnapshot | undefined> | undefined;

  constructor(private readonly deps: MetricsDeps) {
    collectDefaultMetrics({ register: this.registry, prefix: 'zapgate_' });
    this.registerStoreGauges();
    this.sendLatency = new Histogram({
      name: 'zapgate_send_latency_seconds',
      help: 'From a message being queued (its createdAt) to WhatsApp accepting it (sentAt)',
      buckets: LATENCY_BUCKETS,
      registers: [this.registry],
    });
    this.webhookDeliveries = new Counter({
      name: 'zapgate_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    for (const outcome of WEBHOOK_OUTCOMES) this.webhookDeliveries.inc({ outcome }, 0);
    this.leaseChanges = new Counter({
      name: 'zapgate_lease_changes_total',
      help: 'Instance leases this worker took over (takeover) or lost to another (lost)',
      labelNames: ['change'],
      registers: [this.registry],
    });
    for (const change of ['takeover', 'lost']) this.leaseChanges.inc({ change }, 0);
    this.commandLatency = new Histogram({
      name: 'zapgate_command_seconds',
      help: 'From an API node writing a command to the owning worker answering it (or the timeout)',
      labelNames: ['kind', 'outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
  }

  /** Gauges read from the database at scrape time; every label value they can take starts at 0. */
  private registerStoreGauges(): void {
    this.storeGauge('zapgate_instances', 'Instances by status', ['status'], (gauge, s) => {
      for (const status of INSTANCE_STATUSES) gauge.set({ status }, 0);
      for (const i of s.instances) gauge.inc({ status: i.status });
    });
    this.storeGauge(
      'zapgate_messages_total',
      'Stored messages by direction and status (rows now in the database: retention lowers it)',
      ['direction', 'status'],
      (gauge, s) => {
        for (const direction of DIRECTIONS)
          for (const status of MESSAGE_STATUSES) gauge.set({ direction, status }, 0);
        for (const { direction, status, count } of s.messages) gauge.set({ direction, status }, count);
      },
    );
    this.storeGauge(
      'zapgate_queue_depth',
      'Queued outbound messages per instance id',
      ['instance'],
      (gauge, s) => {
        for (const { id } of s.instances) gauge.set({ instance: id }, 0);
        for (const [instance, n] of s.queuedByInstance) gauge.set({ instance }, n);
      },
    );
    const databaseUp: Gauge = new Gauge({
      name: 'zapgate_database_up',
      help: '1 when the database answered the last scrape, 0 when it did not',
      registers: [this.registry],
      collect: async () => databaseUp.set((await this.snapshot()) ? 1 : 0),
    });
  }

  /** A gauge reset and filled from this scrape's snapshot; left empty when the database is down. */
  private storeGauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    fill: (gauge: Gauge<L>, snapshot: StoreSnapshot) => void,
  ): void {
    const gauge: Gauge<L> = new Gauge<L>({
      name,
      help: `${help} (read from the database at scrape time)`,
      labelNames,
      registers: [this.registry],
      collect: async () => {
        const snapshot = await this.snapshot();
        gauge.reset();
        if (snapshot) fill(gauge, snapshot);
      },
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** A message was sent `latencyMs` after it was created; anything not a finite number is ignored. */
  observeSendLatency(latencyMs: number): void {
    if (Number.isFinite(latencyMs)) this.sendLatency.observe(Math.max(0, latencyMs) / 1000);
  }

  observeLease(change: 'takeover' | 'lost'): void {
    this.leaseChanges.inc({ change });
  }

  observeCommand(kind: string, outcome: 'done' | 'failed' | 'timeout', ms: number): void {
    this.commandLatency.observe({ kind, outcome }, Math.max(0, ms) / 1000);
  }

  observeWebhookDelivery(outcome: WebhookOutcome): void {
    this.webhookDeliveries.inc({ outcome });
  }

  /**
   * prom-client runs every collect function of a scrape at once: the first starts the reads and
   * the others join it, so one scrape costs one set of queries. A database that does not answer
   * gives no snapshot (the store gauges go empty and zapgate_database_up 0), not a failed scrape.
   */
  private snapshot(): Promise<StoreSnapshot | undefined> {
    this.scrape ??= this.read().finally(() => {
      this.scrape = undefined;
    });
    return this.scrape;
  }

  private async read(): Promise<StoreSnapshot | undefined> {
    const { instances, messages } = this.deps.store;
    try {
      const [all, byDirection, queuedByInstance] = await Promise.all([
        instances.list(),
        messages.countByDirectionAndStatus({}),
        messages.countQueuedByInstance(),
      ]);
      return {
        instances: all.map((i) => ({ id: i.id, status: i.status })),
        messages: byDirection,
        queuedByInstance,
      };
    } catch (err) {
      this.deps.logger?.warn({ err }, 'metrics: the database did not answer the scrape');
      return undefined;
    }
  }
}
