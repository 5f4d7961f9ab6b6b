import type { Logger } from '../observability/logger.ts';
import type { Store } from '../store/repositories.ts';

const POLL_MS = 100;

/**
 * A worker does not hear the API node's enqueues: it looks for queued rows of the instances it
 * holds and wakes their senders (a woken sender with nothing due goes back to sleep).
 */
export class QueueWaker {
  private timer: NodeJS.Timeout | undefined;
  private looking = false;

  constructor(
    private readonly store: Store,
    private readonly held: () => string[],
    private readonly wake: (instanceId: string) => void,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.look(), POLL_MS);
  }

  private async look(): Promise<void> {
    if (this.looking) return;
    this.looking = true;
    try {
      for (const id of await this.store.leases.withQueuedMessages(this.held())) this.wake(id);
    } catch (err) {
      this.logger.error({ err }, 'looking for queued messages failed');
    } finally {
      this.looking = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
