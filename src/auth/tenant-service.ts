import { randomUUID } from 'node:crypto';
import type { Principal, Tenant } from '../domain/tenant.ts';
import { Errors } from '../errors.ts';
import type { InstanceService } from '../instances/instance-service.ts';
import type { Store } from '../store/repositories.ts';
import { generateApiKey, hashApiKey, sameHash } from './api-keys.ts';
import { KeyBoundStreams } from './key-bound-streams.ts';

export interface IssuedKey {
  id: string;
  key: string;
  prefix: string;
  createdAt: string;
}

/** Tenants and their API keys (stored hashed, shown once), and who a presented key belongs to. */
export class TenantService {
  /** The SSE streams and sockets open per key: a key that stops working ends them. */
  readonly streams = new KeyBoundStreams(async (tenantId) => {
    const keys = await this.store.apiKeys.listByTenant(tenantId);
    return new Set(keys.filter((k) => !k.revokedAt).map((k) => k.id));
  });

  /** The admin key's hash, worked out once: every request's key is hashed and compared with it. */
  private readonly adminHash: string;

  constructor(
    private readonly store: Store,
    adminKey: string,
    private readonly instances: () => InstanceService,
  ) {
    this.adminHash = hashApiKey(adminKey);
  }

  async authenticate(presented: string | undefined): Promise<Principal | undefined> {
    if (!presented) return undefined;
    const hash = hashApiKey(presented);
    if (sameHash(hash, this.adminHash)) return { kind: 'admin' };
    const record = await this.store.apiKeys.findActiveByHash(hash);
    return record ? { kind: 'tenant', tenantId: record.tenantId, keyId: record.id } : undefined;
  }

  async create(name: string): Promise<{ tenant: Tenant; apiKey: IssuedKey }> {
    const tenant = await this.store.tenants.create({ id: randomUUID(), name });
    return { tenant, apiKey: await this.issueKey(tenant.id) };
  }

  list(): Promise<Tenant[]> {
    return this.store.tenants.list();
  }

  /** A new key for the tenant; with `revokeOthers`, every older key stops working at once. */
  async rotate(tenantId: string, revokeOthers: boolean): Promise<IssuedKey> {
    await this.require(tenantId);
    if (revokeOthers) {
      await this.store.apiKeys.revokeAllOfTenant(tenantId);
      this.streams.endTenant(tenantId);
    }
    return this.issueKey(tenantId);
  }

  async revokeKey(tenantId: string, keyId: string): Promise<void> {
    await this.require(tenantId);
    const keys = await this.store.apiKeys.listByTenant(tenantId);
    if (!keys.some((k) => k.id === keyId)) throw Errors.notFound(`key ${keyId} of tenant ${tenantId}`);
    await this.store.apiKeys.revoke(keyId);
    this.streams.endKeys([keyId]);
  }

  async listKeys(tenantId: string) {
    await this.require(tenantId);
    const keys = await this.store.apiKeys.listByTenant(tenantId);
    return keys.map((k) => ({
      id: k.id,
      prefix: k.prefix,
      createdAt: k.createdAt.toISOString(),
      revokedAt: k.revokedAt?.toISOString() ?? null,
    }));
  }

  /** Deletes the tenant with its instances (unlinked) and keys. */
  async remove(tenantId: string): Promise<void> {
    await this.require(tenantId);
    const principal: Principal = { kind: 'tenant', tenantId, keyId: 'admin' };
    for (const instance of await this.instances().list(principal))
      await this.instances().remove(principal, instance.id);
    await this.store.apiKeys.revokeAllOfTenant(tenantId);
    this.streams.endTenant(tenantId);
    await this.store.tenants.delete(tenantId);
  }

  private async require(tenantId: string): Promise<Tenant> {
    const tenant = await this.store.tenants.get(tenantId);
    if (!tenant) throw Errors.notFound(`tenant ${tenantId}`);
    return tenant;
  }

  private async issueKey(tenantId: string): Promise<IssuedKey> {
    const { id, key, prefix, hash } = generateApiKey();
    const record = await this.store.apiKeys.create({ id, tenantId, prefix, hash });
    return { id, key, prefix, createdAt: record.createdAt.toISOString() };
  }
}
