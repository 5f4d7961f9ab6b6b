import { randomBytes, randomUUID } from 'node:crypto';
import type { Principal } from '../domain/tenant.ts';
import { Errors, ZapgateError } from '../errors.ts';
import type { InstanceService } from '../instances/instance-service.ts';
import { assertFetchableUrl, UrlRefused } from '../net/url-guard.ts';
import type { DeliveryStatus, Store, Webhook } from '../store/repositories.ts';

export interface WebhookInput {
  url?: string;
  events?: string[];
  secret?: string;
  instance?: string | null;
  enabled?: boolean;
}

const EVENT_PATTERN = /^(\*|[a-z]+\.(\*|[a-z_]+))$/;

/** The operator sees every webhook; a tenant only its own. */
const visibleTo = (principal: Principal, hook: Webhook): boolean =>
  principal.kind !== 'tenant' || hook.tenantId === principal.tenantId;

/** Webhooks a key owns: an operator's are global (every tenant), a tenant's see only its own events. */
export class WebhookService {
  constructor(
    private readonly store: Store,
    private readonly instances: InstanceService,
    private readonly allowPrivateUrls: boolean,
    private readonly wakeWorker: () => void,
  ) {}

  private async checkUrl(url: string): Promise<void> {
    try {
      await assertFetchableUrl(url, this.allowPrivateUrls);
    } catch (err) {
      if (err instanceof UrlRefused)
        throw new ZapgateError(
          'ZG_ERR_WEBHOOK_URL',
          400,
          `${err.message} (set WEBHOOK_ALLOW_PRIVATE=1 to allow)`,
        );
      throw err;
    }
  }

  private checkEvents(events: string[]): void {
    const bad = events.filter((e) => !EVENT_PATTERN.test(e));
    if (bad.length)
      throw Errors.validation(
        `unknown event filters: ${bad.join(', ')} (use names like message.received, wildcards like message.*, or *)`,
      );
  }

  private async instanceId(principal: Principal, ref: string | null | undefined): Promise<string | null> {
    return ref ? (await this.instances.find(principal, ref)).id : null;
  }

  async create(principal: Principal, input: WebhookInput & { url: string }): Promise<Webhook> {
    await this.checkUrl(input.url);
    const events = input.events ?? ['*'];
    this.checkEvents(events);
    return this.store.webhooks.create({
      id: randomUUID(),
      tenantId: principal.kind === 'tenant' ? principal.tenantId : null,
      instanceId: await this.instanceId(principal, input.instance),
      url: input.url,
      events,
      secret: input.secret ?? randomBytes(24).toString('base64url'),
      enabled: input.enabled ?? true,
    });
  }

  /**
   * The webhook in an instance's own settings (`settings.webhook: { url, events?, secret? }`, null to
   * remove it) kept as a webhook row scoped to that instance, so it is delivered like any other.
   */
  async syncInstanceWebhook(
    instance: { id: string; tenantId: string | null },
    settings: Record<string, unknown>,
  ): Promise<void> {
    if (!('webhook' in settings)) return;
    const id = `instance-${instance.id}`;
    const wanted = settings.webhook as { url?: unknown; events?: unknown; secret?: unknown } | null;
    if (!wanted) {
      await this.store.webhooks.delete(id);
      return;
    }
    if (typeof wanted.url !== 'string' || !/^https?:\/\//.test(wanted.url))
      throw Errors.validation('settings.webhook.url must be an http(s) URL');
    const events = Array.isArray(wanted.events) ? wanted.events.map(String) : ['*'];
    const secret = typeof wanted.secret === 'string' && wanted.secret.length >= 8 ? wanted.secret : undefined;
    await this.checkUrl(wanted.url);
    this.checkEvents(events);
    const existing = await this.store.webhooks.get(id);
    if (existing) {
      await this.store.webhooks.update(id, { url: wanted.url, events, ...(secret ? { secret } : {}) });
      return;
    }
    await this.store.webhooks.create({
      id,
      tenantId: instance.tenantId,
      instanceId: instance.id,
      url: wanted.url,
      events,
      secret: secret ?? randomBytes(24).toString('base64url'),
      enabled: true,
    });
  }

  async find(principal: Principal, id: string): Promise<Webhook> {
    const hook = await this.store.webhooks.get(id);
    if (!hook || !visibleTo(principal, hook)) throw Errors.notFound(`webhook ${id}`);
    return hook;
  }

  list(principal: Principal): Promise<Webhook[]> {
    return this.store.webhooks.list(principal.kind === 'tenant' ? { tenantId: principal.tenantId } : {});
  }

  async update(principal: Principal, id: string, input: WebhookInput): Promise<Webhook> {
    await this.find(principal, id);
    if (input.url) await this.checkUrl(input.url);
    if (input.events) this.checkEvents(input.events);
    const patch = {
      ...(input.url ? { url: input.url } : {}),
      ...(input.events ? { events: input.events } : {}),
      ...(input.secret ? { secret: input.secret } : {}),
      ...(input.enabled === undefined ? {} : { enabled: input.enabled }),
      ...(input.instance === undefined
        ? {}
        : { instanceId: await this.instanceId(principal, input.instance) }),
    };
    return (await this.store.webhooks.update(id, patch)) ?? (await this.find(principal, id));
  }

  async remove(principal: Principal, id: string): Promise<void> {
    await this.find(principal, id);
    await this.store.webhooks.delete(id);
  }

  async deliveries(
    principal: Principal,
    id: string,
    filter: { status?: DeliveryStatus; limit: number; cursor?: string },
  ) {
    await this.find(principal, id);
    return this.store.webhookDeliveries.list(id, filter);
  }

  async redeliver(principal: Principal, deliveryId: string) {
    const delivery = await this.store.webhookDeliveries.get(deliveryId);
    const hook = delivery && (await this.store.webhooks.get(delivery.webhookId));
    // another tenant's delivery is just not found: its webhook's id is theirs to know
    if (!delivery || !hook || !visibleTo(principal, hook)) throw Errors.notFound(`delivery ${deliveryId}`);
    const again = await this.store.webhookDeliveries.redeliver(deliveryId, new Date());
    this.wakeWorker();
    return again ?? delivery;
  }
}
