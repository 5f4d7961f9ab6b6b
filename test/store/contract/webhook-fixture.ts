import type { Store, Webhook, WebhookDeliveryRepository } from '../../../src/store/repositories.ts';
import { unique } from './fixture.ts';
import { at } from './message-fixture.ts';

export type NewWebhook = Omit<Webhook, 'createdAt' | 'updatedAt'>;
export type NewDelivery = Parameters<WebhookDeliveryRepository['insertMany']>[0][number];

/** A fixed moment the delivery tests count from. */
export const T0 = 1_700_000_000_000;
export const MINUTE = 60_000;

/** An enabled global webhook for every event, with a fresh id; override what a test cares about. */
export const newWebhook = (overrides: Partial<NewWebhook> = {}): NewWebhook => ({
  id: unique('wh'),
  tenantId: null,
  instanceId: null,
  url: 'https://receiver.example/hook',
  events: ['*'],
  secret: 'whsec_test',
  enabled: true,
  ...overrides,
});

/** A delivery due at T0, with fresh ids. */
export const newDelivery = (
  webhookId: string,
  instanceId: string,
  overrides: Partial<NewDelivery> = {},
): NewDelivery => ({
  id: unique('dl'),
  webhookId,
  instanceId,
  eventId: unique('ev'),
  event: 'message.received',
  payload: '{"event":"message.received"}',
  nextAttemptAt: at(T0),
  createdAt: at(T0),
  ...overrides,
});

/** Far enough ahead that every delivery of any test is due by then. */
const FAR = at(8e15);

/**
 * Settles (dead) every delivery a claim could take, so that `claimDue` and `nextDueAt` — which look
 * at the whole table — see only what the calling test inserts after.
 */
export async function drainDeliveries(store: Store): Promise<void> {
  const deliveries = store.webhookDeliveries;
  for (;;) {
    const claimed = await deliveries.claimDue(FAR, FAR, 1000);
    if (claimed.length === 0) return;
    for (const d of claimed) await deliveries.markDead(d.id, null, 'drained by a test', null);
  }
}
