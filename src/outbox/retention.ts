import type { Logger } from '../observability/logger.ts';
import type { Store } from '../store/repositories.ts';

const HOUR_MS = 3_600_000;
/** The sweeping node keeps the job while it lives; a dead one's job is free two rounds later. */
const JOB_LEASE_MS = 2 * HOUR_MS;

/**
 * Removes messages (and their media), lifecycle events, published events and webhook deliveries
 * past the retention window, hourly, on one node of the fleet at a time (the job's lease row).
 */
export function startRetention(store: Store, days: number, logger: Logger, nodeId: string): () => void {
  if (days <= 0) return () => {};
  const sweep = async () => {
    const now = Date.now();
    const cutoff = new Date(now - days * 86_400_000);
    try {
      if (!(await store.jobs.tryHold('retention', nodeId, new Date(now), new Date(now + JOB_LEASE_MS))))
        return;
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
