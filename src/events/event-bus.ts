import type { GatewayEvent } from './event-map.ts';

export type EventListener = (event: GatewayEvent) => void;

/** In-process fan-out of gateway events; a slow or failing listener never blocks the others. */
export class EventBus {
  private readonly listeners = new Set<EventListener>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => {}) {}

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
