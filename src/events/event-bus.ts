import { randomUUID } from 'node:crypto';
import type { GatewayEvent, GatewayEventMap, GatewayEventName } from './event-map.ts';

export type EventListener = (event: GatewayEvent) => void;

/** In-process fan-out of gateway events; a slow or failing listener never blocks the others. */
export class EventBus {
  private readonly listeners = new Set<EventListener>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => {}) {}

  publish<K extends GatewayEventName>(
    event: K,
    instance: { id: string; name: string; tenantId: string | null },
    data: GatewayEventMap[K],
  ): GatewayEvent<K> {
    const envelope: GatewayEvent<K> = {
      id: randomUUID(),
      event,
      instance: { id: instance.id, name: instance.name },
      tenantId: instance.tenantId,
      timestamp: new Date().toISOString(),
      data,
    };
    this.emit(envelope as GatewayEvent);
    return envelope;
  }

  /** Hands an already built envelope to every listener. */
  emit(envelope: GatewayEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(envelope);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
