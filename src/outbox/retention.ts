import type { Logger } from '../observability/logger.ts';
import type { Store } from '../store/repositories.ts';

const HOUR_MS = 3_600_000;

/** Removes messages (and their media), lifecycle events, published events and webhook deliveries past the retention window, hourly. */
export function startRetention(store: Store, days: number, logger: Logger): () => void {
  if (days <= 0) return () => {};
  const sweep = async () => {
    const cutoff = new Date(Date.now() - days * 86_400_000);
    try {
      const messages = await store.messages.deleteOlderThan(cutoff);
      const media = await store.messageMedia.deleteOrphans();
      const events = await store.instanceEvents.deleteOlderThan(cutoff);
      const published = await store.events.deleteOlderThan(cutoff);
      const deliveries = await store.webhookDeliveries.deleteOlderThan(cutoff);
      if (messages || events || published || deliveries) {
        logger.info(
          { messages, media, events, published, deliveries, cutoff },
          'retention: removed old rows',
        );
      }
    } catch (err) {
      logger.error({ err }, 'retention sweep failed');
    }
  };
  const first = setTimeout(sweep, 10_000);
  const timer = setInterval(sweep, HOUR_MS);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
