import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../sim/simulator.ts';
import type { GatewayProcess } from '../support/gateway-harness.ts';
import { eventually, SseReader } from '../support/http-client.ts';
import { type LinkedGateway, startLinkedGateway } from '../support/linked-gateway.ts';

type MessageJson = {
  id: string;
  waMessageId: string;
  direction: string;
  chat: string;
  status: string;
  content: Record<string, unknown>;
  [k: string]: unknown;
};
type Changed = {
  id: string | null;
  waMessageId: string;
  chat: string;
  targetId: string;
  message: MessageJson | null;
};

let linked: LinkedGateway;
let sim: RunningSimulator;
let gw: GatewayProcess;
let phone: string;
let contact: string;
let sse: SseReader;
const base = '/api/v1/instances/shape';

const history = async (id: string) => (await gw.api.get<MessageJson>(`${base}/messages/${id}`)).body;
const streamed = <T>(event: string, match: (data: T) => boolean) =>
  eventually(`${event} on the stream`, () =>
    sse.events
      .map((e) => e.data as { event: string; data: T })
      .find((e) => e.event === event && match(e.data)),
  );

beforeAll(async () => {
  linked = await startLinkedGateway({ name: 'shape' });
  ({ sim, gw, phone } = linked);
  contact = sim.api.createContact({ name: 'Shape' }).phone;
  sse = new SseReader(`${gw.api.baseUrl}${base}/events`, gw.api.key ?? '');
  await eventually('the stream to open', () => sse.status === 200);
});
afterAll(async () => {
  sse?.close();
  await linked?.close();
});

describe('one message shape in events and history', () => {
  it('gives message.received the message as GET /messages/:id shows it, sender in content.sender', async () => {
    const sent = await sim.api.contactSend(contact, { to: phone, type: 'text', text: 'same shape?' });
    const event = await streamed<MessageJson>('message.received', (d) => d.waMessageId === sent.id);
    expect(event.data).toEqual(await history(event.data.id));
    expect(event.data).toMatchObject({
      direction: 'inbound',
      chat: `${contact}@s.whatsapp.net`,
      content: { text: 'same shape?', sender: { phone: contact } },
    });
    expect(event.data).not.toHaveProperty('chatJid');
    expect(event.data).not.toHaveProperty('sender');
  });

  it('gives message.status the message as the history shows it at that status', async () => {
    const queued = await gw.api.post<{ id: string }>(`${base}/messages`, {
      to: contact,
      type: 'text',
      text: 'out',
    });
    expect(queued.status).toBe(202);
    const delivered = await streamed<MessageJson>(
      'message.status',
      (d) => d.id === queued.body.id && d.status === 'delivered',
    );
    const row = await history(queued.body.id);
    expect(Object.keys(delivered.data).sort()).toEqual(Object.keys(row).sort());
    expect(delivered.data).toMatchObject({
      direction: 'outbound',
      chat: `${contact}@s.whatsapp.net`,
      content: { text: 'out' },
      error: null,
    });
    expect(delivered.data.deliveredAt).toEqual(expect.any(String));
  });

  it('gives message.edited and message.revoked the chat and the changed message as now stored', async () => {
    const sent = await sim.api.contactSend(contact, { to: phone, type: 'text', text: 'typo hree' });
    const received = await streamed<MessageJson>('message.received', (d) => d.waMessageId === sent.id);
    await sim.api.contactSend(contact, { to: phone, type: 'edit', messageId: sent.id, text: 'typo here' });
    const edited = await streamed<Changed & { content: { text?: string } }>(
      'message.edited',
      (d) => d.targetId === sent.id,
    );
    expect(edited.data).toMatchObject({
      id: received.data.id,
      chat: `${contact}@s.whatsapp.net`,
      content: { text: 'typo here' },
      message: { id: received.data.id, content: { text: 'typo here', edited: true } },
    });
    expect(edited.data.message).toEqual(await history(received.data.id));

    await sim.api.contactSend(contact, { to: phone, type: 'revoke', messageId: sent.id });
    const revoked = await streamed<Changed>('message.revoked', (d) => d.targetId === sent.id);
    expect(revoked.data).toMatchObject({
      id: received.data.id,
      chat: `${contact}@s.whatsapp.net`,
      message: { content: { revoked: true } },
    });
    expect(revoked.data.message).toEqual(await history(received.data.id));
  });
});
