import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForStatus } from '../support/gateway-harness.ts';
import { eventually } from '../support/http-client.ts';
import { type LinkedGateway, startLinkedGateway } from '../support/linked-gateway.ts';

type Row = { id: string; waMessageId: string; status: string; error: { code: string } | null };
type Failure = { error: { code: string; message: string; details?: Row } };

describe('POST /instances/:id/messages?wait=sent', () => {
  let linked: LinkedGateway;
  let contact: string;
  const sendAndWait = (query: string, body: Record<string, unknown>) =>
    linked.api.request<Row & Failure>(
      'POST',
      `/api/v1/instances/${linked.instance.id}/messages?${query}`,
      body,
    );
  const row = (id: string) => linked.api.get<Row>(`/api/v1/instances/${linked.instance.id}/messages/${id}`);

  beforeAll(async () => {
    linked = await startLinkedGateway({ name: 'waiter' });
    contact = linked.sim.api.createContact({ name: 'Customer' }).phone;
  });
  afterAll(async () => {
    await linked?.close();
  });

  it('answers 422 with the reason when the send fails (a number not on WhatsApp)', async () => {
    const res = await sendAndWait('wait=sent', { to: '19990001234', type: 'text', text: 'anyone?' });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toMatch(/^ZG_ERR_WA_/);
    expect(res.body.error.message).toBeTruthy();
    expect(res.body.error.details).toMatchObject({ status: 'failed', error: { code: res.body.error.code } });
    const stored = await row(res.body.error.details?.id ?? '');
    expect(stored.body).toMatchObject({ status: 'failed', error: { code: res.body.error.code } });
  });

  it('answers 201 with the sent row when the send goes', async () => {
    const res = await sendAndWait('wait=sent', { to: contact, type: 'text', text: 'on its way' });
    expect(res.status).toBe(201);
    expect(['sent', 'delivered']).toContain(res.body.status);
    await eventually('the contact to receive it', () =>
      linked.sim.api.contactInbox(contact).find((m) => m.id === res.body.waMessageId),
    );
  });

  it('answers 504 when the send cannot go in time; the row stays queued and goes later', async () => {
    const { api, instance } = linked;
    await api.post(`/api/v1/instances/${instance.id}/stop`);
    await waitForStatus(api, instance.id, 'stopped');
    const res = await sendAndWait('wait=sent&waitMs=300', { to: contact, type: 'text', text: 'held back' });
    expect(res.status).toBe(504);
    expect(res.body.error.code).toBe('ZG_ERR_TIMEOUT');
    expect(res.body.error.message).toMatch(/stays queued/);
    const queued = await api.get<{ items: Row[] }>(
      `/api/v1/instances/${instance.id}/messages?direction=outbound&status=queued`,
    );
    const held = queued.body.items.find((m) => m.status === 'queued');
    expect(held).toBeDefined();
    await api.post(`/api/v1/instances/${instance.id}/start`);
    await waitForStatus(api, instance.id, 'connected');
    await eventually('the held message to reach the contact', () =>
      linked.sim.api.contactInbox(contact).find((m) => m.id === held?.waMessageId),
    );
    await eventually('the held row to be delivered', async () =>
      (await row(held?.id ?? '')).body.status === 'delivered' ? true : undefined,
    );
  });

  it('refuses a wait bound outside 100 ms to 60 s', async () => {
    for (const waitMs of ['10', '600000', 'soon']) {
      const res = await sendAndWait(`wait=sent&waitMs=${waitMs}`, { to: contact, type: 'text', text: 'x' });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('ZG_ERR_VALIDATION');
    }
  });
});
