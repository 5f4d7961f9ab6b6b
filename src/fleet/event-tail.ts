import type { EventBus } from '../events/event-bus.ts';
import type { GatewayEvent } from '../events/event-map.ts';
import type { Logger } from '../observability/logger.ts';
import { type Notifications, roundMs } from '../store/notifications.ts';
import type { Store } from '../store/repositories.ts';
import { CoalescedRun } from './coalesced-run.ts';

const BATCH = 500;
const EVENTS_CHANNEL = 'zapgate_events';

/**
 * An API node's live events: the workers publish into the `events` table (whose seq follows
 * commit order: on PostgreSQL it is given at COMMIT, migration 015), and this tail hands each new
 * row, in seq order, to the local bus that SSE streams and socket.io listen to. It reads when a
 * commit is notified, and on its own rounds.
 */
export class EventTail {
  private lastSeq = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly run = new CoalescedRun(() => this.read());

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly notifications: Notifications,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.lastSeq = await this.store.events.lastSeq();
    await this.notifications.listen(EVENTS_CHANNEL, () => this.run.poke());
    this.timer = setInterval(() => this.run.poke(), roundMs(this.notifications));
  }

  private async read(): Promise<void> {
    try {
      for (;;) {
        const rows = await this.store.events.listAfter(this.lastSeq, { limit: BATCH });
        for (const row of rows) {
          this.lastSeq = row.seq;
          this.bus.emit(JSON.parse(row.envelope) as GatewayEvent);
        }
        if (rows.length < BATCH) return;
      }
    } catch (err) {
      this.logger.error({ err }, 'reading new events failed');
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.run.stop();
  }
}
