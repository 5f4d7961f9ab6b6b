import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/http-client.ts';
import { type LinkedGateway, startLinkedGateway } from '../support/linked-gateway.ts';

type CampaignJson = {
  id: string;
  status: string;
  total: number;
  startAt: string | null;
  counts: Record<string, number>;
};
type Row = { id: string; waMessageId: string; status: string; sentAt: string | null };

const SENT = ['sent', 'delivered', 'read', 'played'];
const sentCount = (c: CampaignJson) => SENT.reduce((n, s) => n + (c.counts[s] ?? 0), 0);

describe('campaign control while sending', () => {
  let linked: LinkedGateway;
  const campaign = async (id: string) => (await linked.api.get<CampaignJson>(`/api/v1/campaigns/${id}`)).body;
  const act = (id: string, action: string) =>
    linked.api.post<CampaignJson>(`/api/v1/campaigns/${id}/${action}`);
  const arrivedAt = (phones: string[], text: string) =>
    phones.filter((p) => linked.sim.api.contactInbox(p).some((m) => m.content.text === text));
  /** A direct message queued now goes after whatever the loop would send next: proof it moved on. */
  const sendThrough = async (text: string) => {
    const to = linked.sim.api.createContact({}).phone;
    const res = await linked.api.post<Row>(`/api/v1/instances/${linked.instance.id}/messages`, {
      to,
      type: 'text',
      text,
    });
    expect(res.status).toBe(202);
    await eventually(`"${text}" to arrive`, () => arrivedAt([to], text).length === 1);
  };

  beforeAll(async () => {
    linked = await startLinkedGateway({ name: 'bulk-control' });
    const paced = await linked.api.patch(`/api/v1/instances/${linked.instance.id}`, {
      settings: { pacing: { minDelayMs: 400, maxDelayMs: 400 } },
    });
    expect(paced.status).toBe(200);
  });
  afterAll(async () => {
    await linked?.close();
  });

  it('pause holds the rest, resume sends on, cancel ends it and nothing more arrives', async () => {
    const phones = Array.from({ length: 16 }, () => linked.sim.api.createContact({}).phone);
    const text = 'paced campaign';
    const created = await linked.api.post<CampaignJson>(`/api/v1/instances/${linked.instance.id}/campaigns`, {
      template: text,
      recipients: phones.map((to) => ({ to })),
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    await eventually('a few sent', async () => sentCount(await campaign(id)) >= 2);

    const paused = await act(id, 'pause');
    expect(paused.body.status).toBe('paused');
    const heldBack = paused.body.counts.paused ?? 0;
    expect(heldBack).toBeGreaterThan(0);
    await sendThrough('after the pause');
    const whilePaused = await campaign(id);
    expect(whilePaused.counts.paused).toBe(heldBack);
    expect(sentCount(whilePaused)).toBe(phones.length - heldBack);
    expect(arrivedAt(phones, text)).toHaveLength(phones.length - heldBack);

    expect((await act(id, 'resume')).body.status).toBe('running');
    const resumedFrom = phones.length - heldBack;
    await eventually(
      'more sent after the resume',
      async () => sentCount(await campaign(id)) >= resumedFrom + 2,
    );

    const cancelled = await act(id, 'cancel');
    expect(cancelled.body.status).toBe('cancelled');
    const rest = cancelled.body.counts.cancelled ?? 0;
    expect(rest).toBeGreaterThan(0);
    await sendThrough('after the cancel');
    const final = await campaign(id);
    expect(final.status).toBe('cancelled');
    expect(final.counts.cancelled).toBe(rest);
    expect(sentCount(final)).toBe(phones.length - rest);
    expect(arrivedAt(phones, text)).toHaveLength(phones.length - rest);
    expect((await act(id, 'resume')).status).toBe(409);
  });

  it('a startAt a moment away holds the campaign, then fires it', async () => {
    await linked.api.patch(`/api/v1/instances/${linked.instance.id}`, {
      settings: { pacing: { minDelayMs: 0, maxDelayMs: 0 } },
    });
    const phones = Array.from({ length: 2 }, () => linked.sim.api.createContact({}).phone);
    const startAt = new Date(Date.now() + 3_000);
    const created = await linked.api.post<CampaignJson>(`/api/v1/instances/${linked.instance.id}/campaigns`, {
      template: 'on the dot',
      recipients: phones.map((to) => ({ to })),
      startAt: startAt.toISOString(),
    });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('scheduled');
    const done = await eventually('the scheduled campaign to complete', async () => {
      const c = await campaign(created.body.id);
      return c.status === 'completed' ? c : undefined;
    });
    expect(sentCount(done)).toBe(2);
    expect(arrivedAt(phones, 'on the dot')).toHaveLength(2);
    const rows = await linked.api.get<{ items: Row[] }>(
      `/api/v1/instances/${linked.instance.id}/messages?direction=outbound&limit=2`,
    );
    for (const row of rows.body.items)
      expect(new Date(row.sentAt ?? 0).getTime()).toBeGreaterThanOrEqual(startAt.getTime());
  });
});
