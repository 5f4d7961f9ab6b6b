import { randomUUID } from 'node:crypto';
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
      id: randomUUID(),
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
    const createdAt = new Date(envelope.timestamp);
    await tx.events.append({
      id: envelope.id,
      instanceId: envelope.instance.id,
      tenantId: envelope.tenantId,
      event: envelope.event,
      envelope: payload,
      createdAt,
    });
    const hooks = (await tx.webhooks.candidates(envelope.tenantId, envelope.instance.id)).filter((h) =>
      eventMatches(h.events, envelope.event),
    );
    if (hooks.length) {
      await tx.webhookDeliveries.insertMany(
        hooks.map((h) => ({
          id: randomUUID(),
          webhookId: h.id,
          instanceId: envelope.instance.id,
          eventId: envelope.id,
          event: envelope.event,
          payload,
          nextAttemptAt: createdAt,
          createdAt,
        })),
      );
    }
    return () => {
      this.bus.emit(envelope);
      if (hooks.length) this.onDeliveries();
    };
  }

  /** Publishes an event on its own (in a transaction of its own). */
  async publish<K extends GatewayEventName>(
    event: K,
    instance: Owner,
    data: GatewayEventMap[K],
  ): Promise<GatewayEvent<K>> {
    const envelope = this.envelope(event, instance, data);
    try {
      const after = await this.store.transaction((tx) => this.record(tx, envelope as GatewayEvent));
      after();
    } catch (err) {
      // the live stream still hears of it; the stored copy and webhooks are what failed
      this.logger.error({ err, event }, 'recording an event failed');
      this.bus.emit(envelope as GatewayEvent);
    }
    return envelope;
  }
}
