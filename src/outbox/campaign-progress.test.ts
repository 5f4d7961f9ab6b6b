import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageStatus } from '../domain/message.ts';
import { messageJson, RECEIVED_DEFAULTS } from '../domain/message-json.ts';
import { EventBus } from '../events/event-bus.ts';
import type { GatewayEvent } from '../events/event-map.ts';
import { EventPublisher } from '../events/event-publisher.ts';
import { createLogger } from '../observability/logger.ts';
import { openStore } from '../store/database.ts';
import type { Store } from '../store/repositories.ts';
import { CampaignProgress } from './campaign-progress.ts';

let dir: string;
let store: Store;
const logger = createLogger('silent');
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zg-campaign-progress-'));
  store = await openStore(`sqlite://${dir}/progress.db`);
});
afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** A running campaign of `statuses.length` messages, one row in each status given. */
async function campaignWith(statuses: MessageStatus[]) {
  const instance = await store.instances.create({
    id: randomUUID(),
    tenantId: null,
    name: `i-${randomUUID().slice(0, 8)}`,
    desiredState: 'running',
    settings: {},
  });
  const id = randomUUID();
  await store.campaigns.create({
    id,
    instanceId: instance.id,
    tenantId: null,
    name: 'c',
    template: 'hi',
    status: 'running',
    total: statuses.length,
    startAt: null,
  });
  await store.messages.insertMany(
    statuses.map((status, i) => ({
      id: randomUUID(),
      instanceId: instance.id,
      tenantId: null,
      waMessageId: `WA${randomUUID().replace(/-/g, '').slice(0, 16)}`,
      direction: 'outbound' as const,
      chatJid: `1555000${String(i).padStart(4, '0')}@s.whatsapp.net`,
      type: 'text' as const,
      content: { text: 'hi' },
      status,
      campaignId: id,
      nextAttemptAt: null,
    })),
  );
  return { id, instance };
}

/** A bus and publisher as the gateway wires them, and the campaign events they carried. */
function wiring() {
  const bus = new EventBus();
  const events = new EventPublisher(store, bus, logger, () => {});
  const seen: GatewayEvent[] = [];
  bus.subscribe((e) => {
    if (e.event.startsWith('campaign.')) seen.push(e);
  });
  return { bus, events, seen };
}

const statusEvent = (
  events: EventPublisher,
  instance: { id: string; name: string; tenantId: string | null },
  campaignId: string,
) =>
  events.envelope(
    'message.status',
    instance,
    messageJson({
      ...RECEIVED_DEFAULTS,
      id: randomUUID(),
      waMessageId: 'WA',
      direction: 'outbound',
      chatJid: '15550000000@s.whatsapp.net',
      type: 'text',
      content: { text: 'hi' },
      status: 'sent',
      campaignId,
      createdAt: new Date(),
    }),
  ) as GatewayEvent;

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

describe('campaign progress', () => {
  it('announces the first change at once and folds the ones after it into one later announcement', async () => {
    const { id, instance } = await campaignWith(['sent', 'queued', 'queued']);
    const { events, seen } = wiring();
    const progress = new CampaignProgress(store, events, logger, 60_000);
    progress.onEvent(statusEvent(events, instance, id));
    await until('the first progress', () => seen.length === 1);
    for (let i = 0; i < 5; i++) progress.onEvent(statusEvent(events, instance, id));
    progress.stop(); // the folded announcement was a minute away
    expect(seen.map((e) => e.event)).toEqual(['campaign.progress']);
    expect(seen[0]?.data).toMatchObject({ campaignId: id, total: 3, counts: { sent: 1, queued: 2 } });
  });

  it('completes a campaign with nothing left to send once, even with two announcers racing', async () => {
    const { id, instance } = await campaignWith(['delivered', 'failed']);
    const { events, seen } = wiring();
    const owner = { id: instance.id, name: instance.name, tenantId: null };
    const [first, second] = [0, 1].map(() => new CampaignProgress(store, events, logger, 0));
    await Promise.all([first?.announce(id, owner), second?.announce(id, owner)]);
    const completed = seen.filter((e) => e.event === 'campaign.completed');
    expect(completed).toHaveLength(1);
    expect(completed[0]?.data).toMatchObject({
      campaignId: id,
      status: 'completed',
      counts: { delivered: 1, failed: 1 },
    });
    expect(seen.at(-1)?.event).toBe('campaign.completed');
    expect((await store.campaigns.get(id))?.status).toBe('completed');
    // later status changes (a read receipt) announce nothing more
    const announced = seen.length;
    await first?.announce(id, owner);
    expect(seen).toHaveLength(announced);
  });

  it('completes at start a campaign left running with nothing to send, once', async () => {
    const { id } = await campaignWith(['read', 'failed']);
    const busy = await campaignWith(['sent', 'queued']);
    const { events, seen } = wiring();
    await Promise.all([0, 1].map(() => new CampaignProgress(store, events, logger).sweep()));
    const mine = seen.filter((e) => (e.data as { campaignId: string }).campaignId === id);
    expect(mine.map((e) => e.event)).toEqual(['campaign.completed']);
    expect(mine[0]?.data).toMatchObject({ status: 'completed', counts: { read: 1, failed: 1 } });
    expect((await store.campaigns.get(busy.id))?.status).toBe('running');
    expect(seen.some((e) => (e.data as { campaignId: string }).campaignId === busy.id)).toBe(false);
  });
});
