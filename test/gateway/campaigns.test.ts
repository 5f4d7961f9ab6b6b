import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../sim/simulator.ts';
import type { GatewayProcess } from '../support/gateway-harness.ts';
import { waitForStatus } from '../support/gateway-harness.ts';
import { eventually } from '../support/http-client.ts';
import { type LinkedGateway, startLinkedGateway } from '../support/linked-gateway.ts';

type CampaignJson = { id: string; status: string; total: number; counts: Record<string, number> };
const SENT = ['sent', 'delivered', 'read', 'played'];
const sentCount = (c: CampaignJson) => SENT.reduce((n, s) => n + (c.counts[s] ?? 0), 0);
/** Messages of the crash test: 200 by default (each a new contact: a Signal session apiece), the 2,000 with CAMPAIGN_CRASH_MESSAGES=2000. */
const CRASH_MESSAGES = Number(process.env.CAMPAIGN_CRASH_MESSAGES ?? 200);

let linked: LinkedGateway | undefined;
let sim: RunningSimulator;
let gw: GatewayProcess;

beforeAll(async () => {
  linked = await startLinkedGateway({ name: 'bulk' });
  ({ sim, gw } = linked);
});
afterAll(async () => {
  await linked?.close();
});

describe('campaigns', () => {
  it('fills the template per recipient, drops duplicates, and lists missing variables', async () => {
    const a = sim.api.createContact({}).phone;
    const b = sim.api.createContact({}).phone;
    const bad = await gw.api.post<{
      error: { code: string; details: { missing: Array<{ to: string; missing: string[] }> } };
    }>('/api/v1/instances/bulk/campaigns', {
      template: 'Hi {{name}}, code {{code}}',
      recipients: [
        { to: a, vars: { name: 'Ann', code: 1 } },
        { to: b, vars: { name: 'Ben' } },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.missing).toEqual([{ index: 1, to: b, missing: ['code'] }]);
    const ok = await gw.api.post<CampaignJson>('/api/v1/instances/bulk/campaigns', {
      name: 'welcome',
      template: 'Hi {{name}}!',
      recipients: [
        { to: a, vars: { name: 'Ann' } },
        { to: b, vars: { name: 'Ben' } },
        { to: `+${a}`, vars: { name: 'Again' } },
      ],
    });
    expect(ok.status).toBe(201);
    expect(ok.body.total).toBe(2);
    await eventually(
      'both welcomes',
      () =>
        sim.api.contactInbox(a).some((m) => m.content.text === 'Hi Ann!') &&
        sim.api.contactInbox(b).some((m) => m.content.text === 'Hi Ben!'),
    );
    const done = await eventually('the campaign to complete', async () => {
      const c = (await gw.api.get<CampaignJson>(`/api/v1/campaigns/${ok.body.id}`)).body;
      return c.status === 'completed' ? c : undefined;
    });
    expect(sentCount(done)).toBe(2);
    expect(
      (await gw.api.get<{ items: CampaignJson[] }>('/api/v1/campaigns')).body.items.map((c) => c.id),
    ).toContain(ok.body.id);
  });

  it('refuses a template that would render past the size limits, and the gateway lives on', async () => {
    // ~960 KB of body that once rendered to gigabytes: V8 ran out of memory and the process died.
    const recipients = Array.from({ length: 400 }, (_, i) => ({
      to: `1555${String(i).padStart(7, '0')}`,
      vars: { v: 'x'.repeat(2_000) },
    }));
    const bomb = await gw.api.post<{ error: { code: string; details: { tooLong: unknown[] } } }>(
      '/api/v1/instances/bulk/campaigns',
      { template: '{{v}}'.repeat(10_000), recipients },
    );
    expect(bomb.status).toBe(400);
    expect(bomb.body.error.code).toBe('ZG_ERR_VALIDATION');
    expect(bomb.body.error.details.tooLong).toHaveLength(100);
    const hidden = await gw.api.post<{ error: { details: { missing: unknown[] } } }>(
      '/api/v1/instances/bulk/campaigns',
      { template: 'Hi {{constructor}}', recipients: [{ to: sim.api.createContact({}).phone }] },
    );
    expect(hidden.status).toBe(400);
    expect(hidden.body.error.details.missing).toHaveLength(1);
    expect((await gw.api.get('/health')).status).toBe(200);
  });

  it('a campaign scheduled for later holds nothing back: a message to one of its recipients goes now', async () => {
    const to = sim.api.createContact({}).phone;
    const later = await gw.api.post<CampaignJson>('/api/v1/instances/bulk/campaigns', {
      template: 'in an hour',
      recipients: [{ to }],
      startAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(later.body.status).toBe('scheduled');
    const now = await gw.api.post('/api/v1/instances/bulk/messages', { to, type: 'text', text: 'right now' });
    expect(now.status).toBe(202);
    await eventually('the message sent before the campaign starts', () =>
      sim.api.contactInbox(to).some((m) => m.content.text === 'right now'),
    );
    expect(sim.api.contactInbox(to).map((m) => m.content.text)).not.toContain('in an hour');
    expect((await gw.api.post(`/api/v1/campaigns/${later.body.id}/cancel`)).status).toBe(200);
  });

  it('pauses, resumes and cancels', async () => {
    await gw.api.post('/api/v1/instances/bulk/stop');
    const recipients = Array.from({ length: 6 }, () => ({ to: sim.api.createContact({}).phone }));
    const c = await gw.api.post<CampaignJson>('/api/v1/instances/bulk/campaigns', {
      template: 'wait for it',
      recipients,
    });
    const paused = await gw.api.post<CampaignJson>(`/api/v1/campaigns/${c.body.id}/pause`);
    expect(paused.body).toMatchObject({ status: 'paused', counts: { paused: 6 } });
    await gw.api.post('/api/v1/instances/bulk/start');
    await waitForStatus(gw.api, 'bulk', 'connected');
    // a message queued after the paused ones goes: the loop has passed them by
    const through = sim.api.createContact({}).phone;
    await gw.api.post('/api/v1/instances/bulk/messages', {
      to: through,
      type: 'text',
      text: 'past the pause',
    });
    await eventually('the message past the pause', () =>
      sim.api.contactInbox(through).some((m) => m.content.text === 'past the pause'),
    );
    expect((await gw.api.get<CampaignJson>(`/api/v1/campaigns/${c.body.id}`)).body.counts.paused).toBe(6);
    await gw.api.post(`/api/v1/campaigns/${c.body.id}/resume`);
    await eventually(
      'the resumed campaign to finish',
      async () => sentCount((await gw.api.get<CampaignJson>(`/api/v1/campaigns/${c.body.id}`)).body) === 6,
    );
    const other = await gw.api.post<CampaignJson>('/api/v1/instances/bulk/campaigns', {
      template: 'never',
      recipients: [{ to: sim.api.createContact({}).phone }],
      startAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(other.body.status).toBe('scheduled');
    const cancelled = await gw.api.post<CampaignJson>(`/api/v1/campaigns/${other.body.id}/cancel`);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', counts: { cancelled: 1 } });
    expect((await gw.api.post(`/api/v1/campaigns/${other.body.id}/resume`)).status).toBe(409);
  });

  it(`survives a SIGKILL in the middle of a ${CRASH_MESSAGES}-message campaign: every message arrives, none twice but the one in flight`, {
    timeout: 600_000,
  }, async () => {
    const contacts = Array.from({ length: CRASH_MESSAGES }, (_, i) => ({
      phone: sim.api.createContact({ name: `C${i}` }).phone,
      n: i,
    }));
    const created = await gw.api.post<CampaignJson>('/api/v1/instances/bulk/campaigns', {
      name: 'big',
      template: 'Order {{n}} is ready',
      recipients: contacts.map((c) => ({ to: c.phone, vars: { n: c.n } })),
    });
    expect(created.body.total).toBe(CRASH_MESSAGES);
    await eventually(
      'a quarter sent',
      async () =>
        sentCount((await gw.api.get<CampaignJson>(`/api/v1/campaigns/${created.body.id}`)).body) >=
        CRASH_MESSAGES / 4,
      240_000,
    );
    await gw.stop('SIGKILL');
    await gw.start();
    const final = await eventually(
      'all sent after the restart',
      async () => {
        const c = (await gw.api.get<CampaignJson>(`/api/v1/campaigns/${created.body.id}`)).body;
        return sentCount(c) === CRASH_MESSAGES ? c : undefined;
      },
      480_000,
    );
    expect(final.counts.failed ?? 0).toBe(0);
    const texts = contacts.flatMap((c) =>
      sim.api
        .contactInbox(c.phone)
        .filter((m) => String(m.content.text).startsWith('Order '))
        .map((m) => ({ id: m.id, to: c, text: m.content.text })),
    );
    const distinct = new Set(texts.map((t) => t.id));
    expect(distinct.size).toBe(CRASH_MESSAGES);
    expect(texts.length - distinct.size).toBeLessThanOrEqual(1);
    for (const c of contacts)
      expect(sim.api.contactInbox(c.phone).some((m) => m.content.text === `Order ${c.n} is ready`)).toBe(
        true,
      );
  });
});
