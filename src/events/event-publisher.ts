import { newRowId } from '../domain/ids.ts';
import type { Logger } from '../observability/logger.ts';
import type { Store } from '../store/repositories.ts';
import { eventMatches } from '../webhooks/signing.ts';
import type { EventBus } from './event-bus.ts';
import type { GatewayEvent, GatewayEventMap, GatewayEventName } from './event-map.ts';

type Tx = Parameters<Parameters<Store['transaction']>[0]>[0];
type Owner = { id: string; name: string; tenantId: string | null };

/**
 * Publishing an event: a stored `events` row (for replay) and one `webhook_deliveries` row per
 * matching webhook, written in the caller's transaction when it has one, so the fact and its
 * deliveries commit together; then, after commit, live listeners and the delivery worker hear of it.
 */
export class EventPublisher {
  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly logger: Logger,
    private readonly onDeliveries: () => void,
  ) {}

  envelope<K extends GatewayEventName>(event: K, instance: Owner, data: GatewayEventMap[K]): GatewayEvent<K> {
    return {
      id: newRowId(),
      event,
      instance: { id: instance.id, name: instance.name },
      tenantId: instance.tenantId,
      timestamp: new Date().toISOString(),
      data,
    };
  }

  /** Writes the event and its deliveries with `tx`; returns a function to call after commit. */
  async record(tx: Tx, envelope: GatewayEvent): Promise<() => void> {
    const payload = JSON.stringify(envelope);
    await tx.events.append(this.storedOf(envelope, payload));
    const deliveries = await this.deliveriesOf(tx, envelope, payload);
    if (deliveries.length) await tx.webhookDeliveries.insertMany(deliveries);
    return () => {
      this.bus.emit(envelope);
      if (deliveries.length) this.onDeliveries();
    };
  }

  /**
   * `record` for many events at once, in their order: the events in one insert, then every
   * delivery of them in another (a batch of arrivals is two statements, not two per event).
   */
  async recordMany(tx: Tx, envelopes: GatewayEvent[]): Promise<() => void> {
    const payloads = envelopes.map((e) => JSON.stringify(e));
    await tx.events.appendMany(envelopes.map((e, i) => this.storedOf(e, payloads[i] as string)));
    const deliveries = [];
    for (const [i, e] of envelopes.entries())
      deliveries.push(...(await this.deliveriesOf(tx, e, payloads[i] as string)));
    if (deliveries.length) await tx.webhookDeliveries.insertMany(deliveries);
    return () => {
      for (const envelope of envelopes) this.bus.emit(envelope);
      if (deliveries.length) this.onDeliveries();
    };
  }

  private storedOf(envelope: GatewayEvent, payload: string) {
    return {
      id: envelope.id,
      instanceId: envelope.instance.id,
      tenantId: envelope.tenantId,
      event: envelope.event,
      envelope: payload,
      createdAt: new Date(envelope.timestamp),
    };
  }

  /** One delivery row per webhook the event goes to. */
  private async deliveriesOf(tx: Pick<Tx, 'webhooks'>, envelope: GatewayEvent, payload: string) {
    const createdAt = new Date(envelope.timestamp);
    const hooks = (await tx.webhooks.candidates(envelope.tenantId, envelope.instance.id)).filter((h) =>
      eventMatches(h.events, envelope.event),
    );
    return hooks.map((h) => ({
      id: newRowId(),
      webhookId: h.id,
      instanceId: envelope.instance.id,
      eventId: envelope.id,
      event: envelope.event,
      payload,
      nextAttemptAt: createdAt,
      createdAt,
    }));
  }

  /** Publishes an event on its own (in a transaction of its own). */
  async publish<K extends GatewayEventName>(
    event: K,
    instance: Owner,
    data: GatewayEventMap[K],
  ): Promise<GatewayEvent<K>> {
    const envelope = this.envelope(event, instance, data);
    try {
      const payload = JSON.stringify(envelope);
      const deliveries = await this.deliveriesOf(this.store, envelope as GatewayEvent, payload);
      if (deliveries.length === 0) {
        // one statement needs no transaction: on PostgreSQL, BEGIN and COMMIT were two more round
        // trips for most events (chat.update, presence, a status no webhook listens to)
        await this.store.events.append(this.storedOf(envelope as GatewayEvent, payload));
      } else {
        await this.store.transaction(async (tx) => {
          await tx.events.append(this.storedOf(envelope as GatewayEvent, payload));
          await tx.webhookDeliveries.insertMany(deliveries);
        });
      }
      this.bus.emit(envelope as GatewayEvent);
      if (deliveries.length) this.onDeliveries();
    } catch (err) {
      // the live stream still hears of it; the stored copy and webhooks are what failed
      this.logger.error({ err, event }, 'recording an event failed');
      this.bus.emit(envelope as GatewayEvent);
    }
    return envelope;
  }
}
