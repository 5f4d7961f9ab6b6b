import type {
  DesiredState,
  Instance,
  InstanceEvent,
  InstanceSettings,
  InstanceStatus,
} from '../domain/instance.ts';
import type {
  Campaign,
  CampaignStatus,
  Message,
  MessageContent,
  MessageDirection,
  MessageStatus,
  MessageType,
} from '../domain/message.ts';
import type { ApiKeyRecord, Tenant } from '../domain/tenant.ts';
import type { ChatRepository, ContactRepository } from './chat-repositories.ts';

import type {
  CommandRepository,
  JobLeaseRepository,
  LeaseFence,
  LeaseRepository,
  NodeRepository,
} from './fleet-repositories.ts';

export type {
  CommandRecord,
  CommandRepository,
  JobLeaseRepository,
  LeaseFence,
  LeaseRepository,
  NodeRecord,
  NodeRepository,
  NodeRole,
} from './fleet-repositories.ts';
export { LeaseLostError } from './fleet-repositories.ts';

import type { EventRepository, WebhookDeliveryRepository, WebhookRepository } from './event-repositories.ts';

export type {
  DeliveryStatus,
  EventRepository,
  StoredEvent,
  Webhook,
  WebhookDelivery,
  WebhookDeliveryRepository,
  WebhookRepository,
} from './event-repositories.ts';

import type { MasterKeyRepository } from './master-key-repositories.ts';

export type { AuthRow, KeyDerivation, MasterKeyRepository } from './master-key-repositories.ts';

/** Who owns what and how to find it. Repositories are the only place with SQL. */
export interface TenantRepository {
  create(input: { id: string; name: string }): Promise<Tenant>;
  list(): Promise<Tenant[]>;
  get(id: string): Promise<Tenant | undefined>;
  /** Removes the tenant and its keys; its instances must be removed by the caller first. */
  delete(id: string): Promise<boolean>;
}

export interface ApiKeyRepository {
  create(input: { id: string; tenantId: string; prefix: string; hash: string }): Promise<ApiKeyRecord>;
  /** The active (not revoked) key with this hash. */
  findActiveByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  listByTenant(tenantId: string): Promise<ApiKeyRecord[]>;
  revoke(id: string): Promise<boolean>;
  revokeAllOfTenant(tenantId: string): Promise<number>;
}

export interface NewInstance {
  id: string;
  tenantId: string | null;
  name: string;
  desiredState: DesiredState;
  settings: InstanceSettings;
  label?: string | null;
  metadata?: Record<string, unknown>;
}

/** Fields a session writes as it moves through its lifecycle; absent fields stay as they are. */
export type InstancePatch = Partial<
  Pick<
    Instance,
    | 'status'
    | 'desiredState'
    | 'name'
    | 'phone'
    | 'jid'
    | 'lid'
    | 'pushName'
    | 'qr'
    | 'qrUpdatedAt'
    | 'pairingCode'
    | 'pairingExpiresAt'
    | 'connectedAt'
    | 'lastError'
    | 'linkedServer'
    | 'settings'
    | 'label'
    | 'metadata'
  >
>;

export interface InstanceRepository {
  /** Throws a conflict (ZG_ERR_CONFLICT) when the tenant already has an instance with this name. */
  create(input: NewInstance): Promise<Instance>;
  get(id: string): Promise<Instance | undefined>;
  /** By id, or by name within the tenant (`tenantId` null: instances without a tenant; undefined: any). */
  findByIdOrName(idOrName: string, tenantId: string | null | undefined): Promise<Instance | undefined>;
  list(filter?: {
    tenantId?: string | null;
    statuses?: InstanceStatus[];
    desiredState?: DesiredState;
    /** Only the instances carrying exactly this label. */
    label?: string;
  }): Promise<Instance[]>;
  /** Oldest first, `limit` at a time; throws a validation error for a cursor it did not give. */
  page(
    filter: { tenantId?: string | null; label?: string },
    options: { limit: number; cursor?: string },
  ): Promise<{ items: Instance[]; nextCursor: string | null }>;
  count(): Promise<number>;
  /** With a fence, only while the node holds the instance's lease at that epoch (else undefined). */
  update(id: string, patch: InstancePatch, fence?: LeaseFence): Promise<Instance | undefined>;
  delete(id: string): Promise<boolean>;
}

export interface InstanceEventRepository {
  append(input: {
    instanceId: string;
    tenantId: string | null;
    type: string;
    data: Record<string, unknown>;
  }): Promise<InstanceEvent>;
  /** Newest first, `limit` at most, optionally only older than `beforeId`. */
  list(instanceId: string, options?: { limit?: number; beforeId?: number }): Promise<InstanceEvent[]>;
  deleteByInstance(instanceId: string): Promise<number>;
  deleteOlderThan(cutoff: Date): Promise<number>;
}

/** Baileys credentials and Signal keys of one instance, as opaque strings (JSON, maybe encrypted). */
export interface AuthStateRepository {
  loadCreds(instanceId: string): Promise<string | undefined>;
  /** Writes with a fence throw `LeaseLostError` unless the node holds the lease at that epoch. */
  saveCreds(instanceId: string, data: string, fence?: LeaseFence): Promise<void>;
  loadKeys(instanceId: string, type: string, ids: string[]): Promise<Map<string, string>>;
  /** Writes and deletes (value null) keys in one transaction. */
  writeKeys(
    instanceId: string,
    entries: Array<{ type: string; id: string; value: string | null }>,
    fence?: LeaseFence,
  ): Promise<void>;
  /** Removes credentials and every key of the instance. */
  clear(instanceId: string, fence?: LeaseFence): Promise<void>;
  /** How many key rows the instance has (for tests and health). */
  countKeys(instanceId: string): Promise<number>;
}

/** A message as written: what a row starts with; the rest (seq, attempts, dates) the store fills. */
export type NewMessage = Pick<
  Message,
  'id' | 'instanceId' | 'tenantId' | 'waMessageId' | 'direction' | 'chatJid' | 'type' | 'content' | 'status'
> &
  Partial<Pick<Message, 'idempotencyKey' | 'campaignId' | 'expiresAt' | 'nextAttemptAt'>> & {
    /** Inbound and history rows carry WhatsApp's own timestamp. */
    createdAt?: Date;
  };

export interface MessageListFilter {
  direction?: MessageDirection;
  chatJid?: string;
  status?: MessageStatus;
  type?: MessageType;
  /** Only the messages of this campaign. */
  campaignId?: string;
  /** created strictly before / after */
  before?: Date;
  after?: Date;
  limit: number;
  /** Opaque cursor from a previous page (newest first). */
  cursor?: string;
}

export type StatusCounts = Partial<Record<MessageStatus, number>>;

/** Which rows a metrics count covers; `tenantId` null: rows without a tenant, undefined: any. */
export interface MessageCountFilter {
  instanceId?: string;
  tenantId?: string | null;
}

export type DirectionStatusCount = { direction: MessageDirection; status: MessageStatus; count: number };

/** The outbox and the history: one table, one row per message. */
export interface MessageRepository {
  /**
   * Inserts a message. With an idempotency key already used on this instance, inserts nothing and
   * returns the existing row with `created: false`.
   */
  insert(input: NewMessage): Promise<{ message: Message; created: boolean }>;
  /** Inserts many rows in one transaction (campaigns); returns how many. */
  insertMany(input: NewMessage[]): Promise<number>;
  /** Inbound rows are deduplicated by (instance, WhatsApp id): false when it was already there. */
  insertInbound(input: NewMessage): Promise<boolean>;
  /** insertInbound for many rows at once, in one transaction: the ids of those inserted. */
  insertInboundMany(input: NewMessage[]): Promise<Set<string>>;
  get(id: string): Promise<Message | undefined>;
  /** By gateway id or WhatsApp id, within the instance. */
  find(instanceId: string, idOrWaId: string): Promise<Message | undefined>;
  /** By WhatsApp id only; an id shared by an inbound and an outbound row gives the older. */
  findByWaId(instanceId: string, waMessageId: string): Promise<Message | undefined>;
  /**
   * The next outbound row to send: the oldest `queued` row that is due (`next_attempt_at` null or
   * past, `expires_at` null or future) whose chat has no older `queued`/`sending` row: one instance
   * sends in creation order, and a row waiting for a retry holds back only its own chat. An older
   * row scheduled for later and not yet tried (a campaign's `startAt`) holds back nothing.
   */
  nextDue(instanceId: string, now: Date): Promise<Message | undefined>;
  /** The soonest time a queued row of the instance becomes due, after `now` (a `startAt`, a retry). */
  nextScheduledAt(instanceId: string, now: Date): Promise<Date | undefined>;
  /** Rows past their `expires_at` still queued: marked failed with code ZG_ERR_EXPIRED; returns ids. */
  expireDue(instanceId: string, now: Date): Promise<string[]>;
  /** The row nextDue gives, moved to `sending` with its attempt counted, in one statement. */
  claimNext(instanceId: string, now: Date, fence?: LeaseFence): Promise<Message | undefined>;
  /** Moves `queued` → `sending` and counts the attempt; false when the row is no longer queued. */
  claim(id: string, now: Date): Promise<boolean>;
  /**
   * The send completed: the row, now `sent`; undefined when it was no longer being sent: a
   * refusal had failed it, or a receipt had already shown it sent (and told its status).
   */
  markSent(id: string, at: Date): Promise<Message | undefined>;
  /** The attempt failed for good: the failed row, or undefined when a receipt had shown it sent. */
  markFailed(id: string, code: string, message: string, at: Date): Promise<Message | undefined>;
  /** The server refused a message after it went out: `sending`/`sent` → failed; false otherwise. */
  markRejected(id: string, code: string, message: string, at: Date): Promise<boolean>;
  /** Back to `queued`, due again at `nextAttemptAt`, with the error kept for the record. */
  scheduleRetry(id: string, nextAttemptAt: Date, code: string, message: string): Promise<void>;
  /**
   * A receipt: moves an outbound row to delivered/read/played (or sent), never backwards; stamps
   * deliveredAt/readAt. Returns the updated row, or undefined when nothing changed.
   */
  applyReceipt(
    instanceId: string,
    waMessageId: string,
    status: 'sent' | 'delivered' | 'read' | 'played',
    at: Date,
  ): Promise<Message | undefined>;
  /** Crash recovery at start: rows left `sending` go back to `queued` (re-sent with the same WhatsApp id). */
  requeueSending(instanceId: string): Promise<number>;
  updateContent(id: string, content: MessageContent): Promise<void>;
  list(
    instanceId: string,
    filter: MessageListFilter,
  ): Promise<{ items: Message[]; nextCursor: string | null }>;
  /** Outbound rows counted toward the daily limit: sent (or sending) since `since`. */
  countSentSince(instanceId: string, since: Date): Promise<number>;
  countByStatus(filter: {
    instanceId?: string;
    campaignId?: string;
    tenantId?: string | null;
  }): Promise<StatusCounts>;
  /** Queued rows per instance, instances without any absent (health, metrics). */
  countQueuedByInstance(): Promise<Map<string, number>>;
  /** Per instance counts by status (for the queue view), optionally limited to a tenant. */
  countByInstanceAndStatus(
    tenantId?: string | null,
  ): Promise<Array<{ instanceId: string; status: MessageStatus; count: number }>>;
  /** Rows by direction and status (metrics); combinations without rows are absent. */
  countByDirectionAndStatus(filter: MessageCountFilter): Promise<DirectionStatusCount[]>;
  /** Rows of either direction created at or after `since` (metrics: the last 24 hours). */
  countSince(filter: MessageCountFilter, since: Date): Promise<number>;
  /** Rows created at or after `since` that ended failed (metrics: failed in the last 24 hours). */
  countFailedSince(filter: MessageCountFilter, since: Date): Promise<number>;
  /** The newest rows of either direction, newest first, at most `limit` (metrics). */
  latest(filter: MessageCountFilter, limit: number): Promise<Message[]>;
  /** createdAt of the oldest queued row (per instance when given). */
  oldestQueuedAt(instanceId?: string, tenantId?: string | null): Promise<Date | undefined>;
  /** Changes the status of a campaign's rows from one status to another; returns how many. */
  setCampaignStatus(campaignId: string, from: MessageStatus[], to: MessageStatus): Promise<number>;
  deleteByInstance(instanceId: string): Promise<number>;
  deleteOlderThan(cutoff: Date): Promise<number>;
}

/**
 * Media bytes of outbound messages given as base64 or upload, kept until the message is gone; a
 * campaign's media is kept once, under the campaign's id.
 */
export interface MessageMediaRepository {
  put(messageId: string, bytes: Buffer): Promise<void>;
  get(messageId: string): Promise<Buffer | undefined>;
  deleteByMessages(messageIds: string[]): Promise<number>;
  /** Removes media whose message (or, for a campaign's shared media, every message of it) is gone. */
  deleteOrphans(): Promise<number>;
}

export interface CampaignRepository {
  create(input: Omit<Campaign, 'createdAt' | 'updatedAt'>): Promise<Campaign>;
  get(id: string): Promise<Campaign | undefined>;
  list(filter: { tenantId?: string | null; instanceId?: string }): Promise<Campaign[]>;
  /** Newest first, `limit` at a time; throws a validation error for a cursor it did not give. */
  page(
    filter: { tenantId?: string | null; instanceId?: string },
    options: { limit: number; cursor?: string },
  ): Promise<{ items: Campaign[]; nextCursor: string | null }>;
  setStatus(id: string, status: CampaignStatus): Promise<Campaign | undefined>;
  /** Moves the campaign to `to` only from one of `from`; undefined when it was not in one of them. */
  transition(id: string, from: CampaignStatus[], to: CampaignStatus): Promise<Campaign | undefined>;
  deleteByInstance(instanceId: string): Promise<number>;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly tenants: TenantRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly instances: InstanceRepository;
  readonly instanceEvents: InstanceEventRepository;
  readonly authState: AuthStateRepository;
  readonly messages: MessageRepository;
  readonly messageMedia: MessageMediaRepository;
  readonly campaigns: CampaignRepository;
  readonly events: EventRepository;
  readonly webhooks: WebhookRepository;
  readonly webhookDeliveries: WebhookDeliveryRepository;
  readonly nodes: NodeRepository;
  readonly leases: LeaseRepository;
  readonly commands: CommandRepository;
  readonly chats: ChatRepository;
  readonly contacts: ContactRepository;
  readonly jobs: JobLeaseRepository;
  /** The salt `MASTER_KEY` is stretched with, and every auth row for a re-encryption. */
  readonly masterKey: MasterKeyRepository;
  /**
   * Runs `work` in one transaction with repositories bound to it (the outbox insert and what it
   * implies happen together or not at all).
   */
  transaction<T>(
    work: (tx: Omit<Store, 'transaction' | 'close' | 'ping' | 'dialect'>) => Promise<T>,
  ): Promise<T>;
  /** Checks the database answers (for /health/ready). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
