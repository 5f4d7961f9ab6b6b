/** Events, webhooks and their deliveries: how the gateway's events are kept and sent out. */

export interface StoredEvent {
  /** Monotonic position: what `Last-Event-ID` resumes from. */
  seq: number;
  id: string;
  instanceId: string;
  tenantId: string | null;
  event: string;
  /** The full envelope as JSON text, exactly as delivered. */
  envelope: string;
  createdAt: Date;
}

/** Every published gateway event, kept for replay (SSE resume) until retention removes it. */
export interface EventRepository {
  /** The highest seq stored (0 when there is none). */
  lastSeq(): Promise<number>;
  /**
   * The seq is given as the event commits (on PostgreSQL, at COMMIT: migration 015), so that seqs
   * become visible in their order; findSeqById tells it afterwards.
   */
  append(input: Omit<StoredEvent, 'seq'>): Promise<void>;
  /** Many events in their order, in one transaction (or the caller's); seqs rise in that order. */
  appendMany(input: Array<Omit<StoredEvent, 'seq'>>): Promise<void>;
  /** Events after `seq`, oldest first, optionally limited to a tenant and instances. */
  listAfter(
    seq: number,
    filter: { tenantId?: string | null; instanceIds?: string[]; limit: number },
  ): Promise<StoredEvent[]>;
  findSeqById(id: string): Promise<number | undefined>;
  deleteOlderThan(cutoff: Date): Promise<number>;
}

export interface Webhook {
  id: string;
  tenantId: string | null;
  /** Only this instance's events; null: every instance the owner can see. */
  instanceId: string | null;
  url: string;
  /** Event names or wildcards (`message.*`, `*`). */
  events: string[];
  secret: string;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

export interface WebhookDelivery {
  id: string;
  /** Ordering within (webhook, instance). */
  seq: number;
  webhookId: string;
  instanceId: string;
  eventId: string;
  event: string;
  /** The JSON body POSTed. */
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastStatusCode: number | null;
  lastError: string | null;
  /** The receiver's response body (first 2 KB) of the last attempt. */
  lastResponse: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

export interface WebhookRepository {
  create(input: Omit<Webhook, 'createdAt' | 'updatedAt'>): Promise<Webhook>;
  get(id: string): Promise<Webhook | undefined>;
  list(filter: { tenantId?: string | null }): Promise<Webhook[]>;
  update(
    id: string,
    patch: Partial<Pick<Webhook, 'url' | 'events' | 'secret' | 'enabled' | 'instanceId'>>,
  ): Promise<Webhook | undefined>;
  delete(id: string): Promise<boolean>;
  /** Enabled webhooks that may receive an event of this tenant and instance (the event filter is the caller's). */
  candidates(tenantId: string | null, instanceId: string): Promise<Webhook[]>;
}

export interface WebhookDeliveryRepository {
  insertMany(
    input: Array<
      Omit<
        WebhookDelivery,
        'seq' | 'attempts' | 'lastStatusCode' | 'lastError' | 'lastResponse' | 'deliveredAt' | 'status'
      >
    >,
  ): Promise<void>;
  /**
   * Claims up to `limit` due deliveries, each the oldest pending one of its (webhook, instance) —
   * so one instance's events reach one webhook in order — moving their next_attempt_at to
   * `leaseUntil` so no other worker takes them meanwhile (FOR UPDATE SKIP LOCKED on PostgreSQL).
   * With `run` > 1 each also brings up to `run - 1` due rows right behind it in its group.
   */
  claimDue(now: Date, leaseUntil: Date, limit: number, run?: number): Promise<WebhookDelivery[]>;
  /** Claimed rows that were not attempted: due at `at` again, their claim's attempt taken back. */
  release(ids: string[], at: Date): Promise<void>;
  /** Keeps claimed rows (still pending) claimed until `until`: a long run outlives its first lease. */
  extendClaim(ids: string[], until: Date): Promise<void>;
  markDelivered(id: string, statusCode: number, response: string | null, at: Date): Promise<void>;
  markRetry(
    id: string,
    nextAttemptAt: Date,
    statusCode: number | null,
    error: string,
    response: string | null,
  ): Promise<void>;
  markDead(id: string, statusCode: number | null, error: string, response: string | null): Promise<void>;
  get(id: string): Promise<WebhookDelivery | undefined>;
  list(
    webhookId: string,
    filter: { status?: DeliveryStatus; limit: number; cursor?: string },
  ): Promise<{ items: WebhookDelivery[]; nextCursor: string | null }>;
  /** Back to pending, due now, attempts kept. */
  redeliver(id: string, at: Date): Promise<WebhookDelivery | undefined>;
  countByStatus(filter: { tenantId?: string | null }): Promise<Partial<Record<DeliveryStatus, number>>>;
  /** The soonest next_attempt_at among pending deliveries, to know when to wake. */
  nextDueAt(): Promise<Date | undefined>;
  deleteOlderThan(cutoff: Date): Promise<number>;
  /** Every delivery of the instance's events, whatever its status or webhook. */
  deleteByInstance(instanceId: string): Promise<number>;
}
