import type { Logger } from '../observability/logger.ts';
import { type Notifications, roundMs } from '../store/notifications.ts';
import type { Store } from '../store/repositories.ts';

const QUEUE_CHANNEL = 'zapgate_queue';

/**
 * A worker does not hear the API node's enqueues in its own memory: on PostgreSQL a trigger
 * names the instance of each committed queued row (LISTEN/NOTIFY), and on every round the worker
 * also looks for queued rows of the instances it holds. Either way it wakes their senders (a woken
 * sender with nothing due goes back to sleep).
 */
export class QueueWaker {
  private timer: NodeJS.Timeout | undefined;
  private looking = false;

  constructor(
    private readonly store: Store,
    private readonly notifications: Notifications,
    private readonly held: () => string[],
    private readonly wake: (instanceId: string) => void,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await this.notifications.listen(QUEUE_CHANNEL, (instanceId) => {
      if (this.held().includes(instanceId)) this.wake(instanceId);
    });
    this.timer = setInterval(() => void this.look(), roundMs(this.notifications));
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
