import type {
  DesiredState,
  Instance,
  InstanceEvent,
  InstanceSettings,
  InstanceStatus,
} from '../domain/instance.ts';
import type { ApiKeyRecord, Tenant } from '../domain/tenant.ts';

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
    | 'settings'
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
  }): Promise<Instance[]>;
  count(): Promise<number>;
  update(id: string, patch: InstancePatch): Promise<Instance | undefined>;
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
  saveCreds(instanceId: string, data: string): Promise<void>;
  loadKeys(instanceId: string, type: string, ids: string[]): Promise<Map<string, string>>;
  /** Writes and deletes (value null) keys in one transaction. */
  writeKeys(
    instanceId: string,
    entries: Array<{ type: string; id: string; value: string | null }>,
  ): Promise<void>;
  /** Removes credentials and every key of the instance. */
  clear(instanceId: string): Promise<void>;
  /** How many key rows the instance has (for tests and health). */
  countKeys(instanceId: string): Promise<number>;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly tenants: TenantRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly instances: InstanceRepository;
  readonly instanceEvents: InstanceEventRepository;
  readonly authState: AuthStateRepository;
  /** Checks the database answers (for /health/ready). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
