import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../sim/server/calls.ts';
import type { RunningSimulator } from '../../sim/simulator.ts';
import { type ApiClient, eventually, SseReader } from '../support/http-client.ts';
import { type LinkedGateway, startLinkedGateway } from '../support/linked-gateway.ts';

type CallEvent = {
  callId: string;
  from: string;
  status: string;
  isVideo: boolean;
  outcome: string | null;
  replyMessageId: string | null;
};

let linked: LinkedGateway | undefined;
let sim: RunningSimulator;
let api: ApiClient;
let phone: string;
let sse: SseReader;
const base = '/api/v1/instances/hotline';

/** A simulated contact calls the instance's number, through the simulator's admin API. */
async function call(contact: string, video = false): Promise<CallRecord> {
  const res = await fetch(`${sim.info.adminUrl}/contacts/${contact}/calls`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ to: phone, video }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as CallRecord;
}

const callEvent = (callId: string) =>
  eventually(`call.received for ${callId}`, () =>
    sse.events
      .filter((e) => e.event === 'call.received')
      .map((e) => e.data.data as CallEvent)
      .find((c) => c.callId === callId && c.status === 'offer'),
  );

beforeAll(async () => {
  linked = await startLinkedGateway({ name: 'hotline' });
  ({ sim, api, phone } = linked);
  sse = new SseReader(`${api.baseUrl}${base}/events`, api.key ?? '');
});
afterAll(async () => {
  sse?.close();
  await linked?.close();
});

describe('incoming calls', () => {
  it('refuses call settings that are not { reject, message? }', async () => {
    for (const calls of [true, { reject: 'yes' }, { reject: true, message: '' }, { reject: true, ring: 3 }]) {
      const res = await api.patch<{ error: { code: string } }>(base, { settings: { calls } });
      expect(res.status, JSON.stringify(calls)).toBe(400);
      expect(res.body.error.code).toBe('ZG_ERR_VALIDATION');
    }
  });

  it('lets a call ring when rejecting is off, and says so in call.received', async () => {
    const { phone: caller } = sim.api.createContact({ name: 'Patient caller' });
    const offered = await call(caller);
    const event = await callEvent(offered.callId);
    expect(event).toMatchObject({
      from: `${caller}@s.whatsapp.net`,
      outcome: 'not_rejected',
      replyMessageId: null,
    });
    expect(sim.api.groups.calls(caller)).toEqual([expect.objectContaining({ status: 'ringing' })]);
  });

  it('rejects a call and answers the caller with the configured text, a durable message row', async () => {
    const text = 'We do not take calls here; please write.';
    const saved = await api.patch<{ settings: Record<string, unknown> }>(base, {
      settings: { calls: { reject: true, message: text } },
    });
    expect(saved.status).toBe(200);
    expect(saved.body.settings.calls).toEqual({ reject: true, message: text });

    const { phone: caller } = sim.api.createContact({ name: 'Caller' });
    const offered = await call(caller, true);
    await eventually('the rejection at the simulator', () =>
      sim.api.groups.calls(caller).find((c) => c.callId === offered.callId && c.status === 'rejected'),
    );
    const event = await callEvent(offered.callId);
    expect(event).toMatchObject({ isVideo: true, outcome: 'rejected' });
    expect(event.replyMessageId).toEqual(expect.any(String));

    const answer = await eventually('the text at the caller', () =>
      sim.api.contactInbox(caller).find((m) => m.type === 'text'),
    );
    expect(answer.content).toMatchObject({ text });
    const row = await api.get<{ chat: string; direction: string; status: string; waMessageId: string }>(
      `${base}/messages/${event.replyMessageId}`,
    );
    expect(row.body).toMatchObject({ chat: `${caller}@s.whatsapp.net`, direction: 'outbound' });
    expect(row.body.waMessageId).toBe(answer.id);
  });
});
