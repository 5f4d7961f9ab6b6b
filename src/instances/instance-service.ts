import { randomUUID } from 'node:crypto';
import {
  type Instance,
  type InstanceEvent,
  type InstanceSettings,
  withoutSecrets,
} from '../domain/instance.ts';
import { normalizePhone } from '../domain/phone.ts';
import type { Principal } from '../domain/tenant.ts';
import { Errors } from '../errors.ts';
import type { SessionControl } from '../sessions/session-control.ts';
import type { Store } from '../store/repositories.ts';
import { checkedMetadata } from './instance-annotations.ts';
import type { RecentInstances } from './recent-instances.ts';

const scopeOf = (p: Principal): string | undefined => (p.kind === 'tenant' ? p.tenantId : undefined);

/** What callers may do with instances; every lookup is scoped to the caller's tenant. */
export class InstanceService {
  constructor(
    private readonly store: Store,
    private readonly sessions: SessionControl,
    private readonly maxInstances: number,
    private readonly recent?: RecentInstances,
  ) {}

  /** Called with the merged settings before they are saved; throwing refuses them. */
  onSettings: ((instance: Instance, settings: InstanceSettings) => Promise<void>) | undefined;
  /** Called with the instance as saved after a rename or a change of settings. */
  onUpdated: ((instance: Instance) => void) | undefined;

  /** The instance by id or name, if this caller may see it; another tenant's instance is a 404. */
  async find(principal: Principal, idOrName: string): Promise<Instance> {
    const scope = scopeOf(principal);
    const byId = await this.store.instances.get(idOrName);
    const found =
      byId && (scope === undefined || byId.tenantId === scope)
        ? byId
        : await this.store.instances.findByIdOrName(idOrName, scope === undefined ? null : scope);
    if (!found || (scope !== undefined && found.tenantId !== scope))
      throw Errors.notFound(`instance ${idOrName}`);
    return found;
  }

  /**
   * `find` for a send: a linked instance read in the last second may answer (RecentInstances), a
   * look-up on every accepted send being an eighth of accepting.
   */
  async findForSend(principal: Principal, idOrName: string): Promise<Instance> {
    const scope = scopeOf(principal);
    const recent = this.recent?.get(scope, idOrName);
    if (recent) return recent;
    const found = await this.find(principal, idOrName);
    this.recent?.keep(scope, idOrName, found);
    return found;
  }

  list(principal: Principal, filter: { label?: string } = {}): Promise<Instance[]> {
    const scope = scopeOf(principal);
    return this.store.instances.list({
      ...(scope === undefined ? {} : { tenantId: scope }),
      ...(filter.label === undefined ? {} : { label: filter.label }),
    });
  }

  /** A page of `list`, oldest first, from `cursor` (the nextCursor of the page before). */
  page(
    principal: Principal,
    filter: { label?: string },
    options: { limit: number; cursor?: string },
  ): Promise<{ items: Instance[]; nextCursor: string | null }> {
    const scope = scopeOf(principal);
    return this.store.instances.page(
      {
        ...(scope === undefined ? {} : { tenantId: scope }),
        ...(filter.label === undefined ? {} : { label: filter.label }),
      },
      options,
    );
  }

  async create(
    principal: Principal,
    input: {
      name: string;
      start: boolean;
      tenantId?: string;
      settings?: InstanceSettings;
      label?: string;
      metadata?: Record<string, unknown>;
    },
  ) {
    const metadata = checkedMetadata(input.metadata ?? {});
    if (principal.kind === 'tenant' && input.tenantId && input.tenantId !== principal.tenantId) {
      throw Errors.forbidden('create instances for another tenant');
    }
    const tenantId = principal.kind === 'tenant' ? principal.tenantId : (input.tenantId ?? null);
    if (tenantId && !(await this.store.tenants.get(tenantId))) throw Errors.notFound(`tenant ${tenantId}`);
    if ((await this.store.instances.count()) >= this.maxInstances)
      throw Errors.instanceLimit(this.maxInstances);
    const settings = input.settings ?? {};
    const instance = await this.store.instances.create({
      id: randomUUID(),
      tenantId,
      name: input.name,
      desiredState: input.start ? 'running' : 'stopped',
      settings: withoutSecrets(settings),
      label: input.label ?? null,
      metadata,
    });
    try {
      // checked and applied as a PATCH would (settings.webhook becomes the instance's webhook)
      await this.onSettings?.(instance, settings);
    } catch (err) {
      // refused settings: the instance is not created (its name taken first, so a conflict is a 409)
      await this.store.instances.delete(instance.id);
      throw err;
    }
    if (input.start) await this.sessions.start(instance);
    return (await this.store.instances.get(instance.id)) ?? instance;
  }

  async update(
    principal: Principal,
    idOrName: string,
    patch: {
      name?: string;
      settings?: InstanceSettings;
      label?: string | null;
      metadata?: Record<string, unknown> | null;
    },
  ) {
    const metadata = patch.metadata === undefined ? undefined : checkedMetadata(patch.metadata ?? {});
    const instance = await this.find(principal, idOrName);
    const settings = patch.settings ? { ...instance.settings, ...patch.settings } : undefined;
    if (settings) await this.onSettings?.(instance, settings);
    const updated = await this.store.instances.update(instance.id, {
      ...(patch.name ? { name: patch.name } : {}),
      ...(settings ? { settings: withoutSecrets(settings) } : {}),
      ...(patch.label === undefined ? {} : { label: patch.label }),
      ...(metadata === undefined ? {} : { metadata }),
    });
    this.recent?.forget(instance.id);
    if (updated) this.onUpdated?.(updated);
    return updated ?? instance;
  }

  async remove(principal: Principal, idOrName: string): Promise<void> {
    const instance = await this.find(principal, idOrName);
    this.recent?.forget(instance.id);
    await this.sessions.remove(instance);
    // everything that belongs to the instance, in one transaction: all of it goes or none does
    await this.store.transaction(async (tx) => {
      await tx.messages.deleteByInstance(instance.id);
      await tx.campaigns.deleteByInstance(instance.id);
      await tx.webhookDeliveries.deleteByInstance(instance.id);
      await tx.webhooks.delete(`instance-${instance.id}`);
      await tx.instanceEvents.deleteByInstance(instance.id);
      await tx.chats.deleteByInstance(instance.id);
      await tx.contacts.deleteByInstance(instance.id);
      await tx.authState.clear(instance.id);
      await tx.instances.delete(instance.id);
    });
  }

  async act(
    principal: Principal,
    idOrName: string,
    action: 'start' | 'stop' | 'restart' | 'logout',
  ): Promise<Instance> {
    const instance = await this.find(principal, idOrName);
    this.recent?.forget(instance.id);
    if (action === 'stop') await this.sessions.stop(instance);
    else if (action === 'logout') await this.sessions.logout(instance);
    else await this.sessions.start(instance); // start and restart both (re)open the socket
    return (await this.store.instances.get(instance.id)) ?? instance;
  }

  async pairingCode(principal: Principal, idOrName: string, phoneNumber: string) {
    const phone = normalizePhone(phoneNumber);
    if (!phone) throw Errors.invalidPhone(phoneNumber);
    const instance = await this.find(principal, idOrName);
    if (instance.status === 'connected') throw Errors.alreadyConnected(instance.name);
    return this.sessions.requestPairingCode(instance, phone);
  }

  async events(
    principal: Principal,
    idOrName: string,
    options: { limit: number; beforeId?: number },
  ): Promise<InstanceEvent[]> {
    const instance = await this.find(principal, idOrName);
    return this.store.instanceEvents.list(instance.id, options);
  }
}
