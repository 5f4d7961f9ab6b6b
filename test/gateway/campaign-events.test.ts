import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventReceiver, type ReceivedEvent, startEventReceiver } from '../support/event-receiver.ts';
import { ADMIN_KEY } from '../support/gateway-harness.ts';
import { eventually, SseReader } from '../support/http-client.ts';
import { type LinkedGateway, startLinkedGateway } from '../support/linked-gateway.ts';
import { gatewaySocket } from '../support/stream-clients.ts';

type CountsData = { campaignId: string; status: string; total: number; counts: Record<string, number> };
type CampaignEvent = ReceivedEvent & { data: CountsData };
const SENT = ['sent', 'delivered', 'read', 'played'];
const sentOf = (counts: Record<string, number>) => SENT.reduce((n, s) => n + (counts[s] ?? 0), 0);

let linked: LinkedGateway;
let receiver: EventReceiver;
let sse: SseReader;
let socket: Socket;
const socketEvents: CampaignEvent[] = [];

beforeAll(async () => {
  receiver = await startEventReceiver();
  linked = await startLinkedGateway({
    name: 'announcer',
    env: { WEBHOOK_ALLOW_PRIVATE: '1', WEBHOOK_RETRY_BASE_MS: '100', WEBHOOK_RETRY_MAX_MS: '500' },
  });
  const hook = await linked.api.post('/api/v1/webhooks', {
    url: receiver.url,
    events: ['campaign.progress', 'campaign.completed'],
  });
  expect(hook.status).toBe(201);
  const base = linked.api.baseUrl;
  sse = new SseReader(`${base}/api/v1/events?events=campaign.progress,campaign.completed`, ADMIN_KEY);
  socket = gatewaySocket(base, ADMIN_KEY);
  socket.on('event', (e: CampaignEvent) => {
    if (e.event.startsWith('campaign.')) socketEvents.push(e);
  });
  await eventually('the SSE stream and the socket to open', () => sse.opened && socket.connected);
});

afterAll(async () => {
  socket?.disconnect();
  sse?.close();
  await linked?.close();
  await receiver?.close();
});

const ofCampaign = (events: CampaignEvent[], id: string) => events.filter((e) => e.data.campaignId === id);
const completedIn = (events: CampaignEvent[], id: string) =>
  ofCampaign(events, id).find((e) => e.event === 'campaign.completed');

describe('campaign events', () => {
  it('announces progress, then completion with the final counts, on webhooks, SSE and socket.io', async () => {
    const { sim, api } = linked;
    const contacts = [0, 1, 2].map(() => sim.api.createContact({}).phone);
    const stranger = '19990004321'; // no WhatsApp account: its message fails
    const created = await api.post<{ id: string; total: number }>('/api/v1/instances/announcer/campaigns', {
      name: 'launch',
      template: 'Hello {{name}}',
      recipients: [...contacts, stranger].map((to, i) => ({ to, vars: { name: `n${i}` } })),
    });
    expect(created.status).toBe(201);
    const id = created.body.id;

    const hooked = await eventually('campaign.completed on the webhook', () =>
      completedIn(receiver.events as CampaignEvent[], id),
    );
    expect(hooked.instance.name).toBe('announcer');
    expect(hooked.data).toMatchObject({ campaignId: id, status: 'completed', total: 4 });
    expect(hooked.data.counts.failed).toBe(1);
    expect(sentOf(hooked.data.counts)).toBe(3);
    expect(hooked.data.counts.queued ?? 0).toBe(0);
    const progress = ofCampaign(receiver.events as CampaignEvent[], id).filter(
      (e) => e.event === 'campaign.progress',
    );
    expect(progress.length).toBeGreaterThan(0);
    for (const p of progress) expect(p.data.total).toBe(4);

    // live streams carry them in the order they were published: progress first, completed last
    for (const [what, events] of [
      ['SSE', () => sse.events.map((e) => e.data as unknown as CampaignEvent)],
      ['socket.io', () => socketEvents],
    ] as const) {
      const done = await eventually(`campaign.completed on ${what}`, () => completedIn(events(), id));
      expect(done.id).toBe(hooked.id);
      const names = ofCampaign(events(), id).map((e) => e.event);
      expect(names[0], what).toBe('campaign.progress');
      expect(
        names.filter((n) => n === 'campaign.completed'),
        what,
      ).toHaveLength(1);
      expect(names.at(-1), what).toBe('campaign.completed');
    }

    const stored = await api.get<{ status: string; counts: Record<string, number> }>(
      `/api/v1/campaigns/${id}`,
    );
    expect(stored.body.status).toBe('completed');
    expect(
      ofCampaign(receiver.events as CampaignEvent[], id).filter((e) => e.event === 'campaign.completed'),
    ).toHaveLength(1);
  });
});
