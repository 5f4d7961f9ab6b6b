import type { EventBus } from '../events/event-bus.ts';
import type { GatewayEvent } from '../events/event-map.ts';
import type { Logger } from '../observability/logger.ts';
import type { Store } from '../store/repositories.ts';

const POLL_MS = 100;
const BATCH = 500;

/**
 * An API node's live events: the workers publish into the `events` table, and this tail hands
 * each new row, in seq order, to the local bus that SSE streams and socket.io listen to.
 */
export class EventTail {
  private lastSeq = 0;
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.lastSeq = await this.store.events.lastSeq();
    this.timer = setInterval(() => {
      this.reading ??= this.read().finally(() => {
        this.reading = undefined;
      });
    }, POLL_MS);
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
    await this.reading;
  }
}
