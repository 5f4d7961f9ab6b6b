import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReceivedMessage } from '../../sim/network/model.ts';
import type { RunningSimulator } from '../../sim/simulator.ts';
import { type ApiClient, eventually } from '../support/http-client.ts';
import { type LinkedGateway, startLinkedGateway } from '../support/linked-gateway.ts';
import { pngBytes } from '../support/media-fixtures.ts';

type Issued = { apiKey: { key: string } };
type Failure = { error: { code: string; message: string } };
type MessageJson = {
  id: string;
  waMessageId: string;
  chat: string;
  type: string;
  status: string;
  content: Record<string, unknown>;
};

const STATUS = 'status@broadcast';
const base = '/api/v1/instances/stories';
let linked: LinkedGateway | undefined;
let sim: RunningSimulator;
let api: ApiClient;
let alice: string;
let bob: string;
let carol: string;

/** The statuses a simulated contact received, through the simulator's admin API. */
async function statusesOf(phone: string): Promise<ReceivedMessage[]> {
  const res = await fetch(`${sim.info.adminUrl}/contacts/${phone}/statuses`);
  expect(res.status).toBe(200);
  return (await res.json()) as ReceivedMessage[];
}

const statusAt = (phone: string, waMessageId: string) =>
  eventually(`status ${waMessageId} at ${phone}`, async () =>
    (await statusesOf(phone)).find((m) => m.id === waMessageId),
  );

async function post(body: unknown): Promise<MessageJson> {
  const res = await api.post<MessageJson>(`${base}/status`, body);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body;
}

beforeAll(async () => {
  linked = await startLinkedGateway({ name: 'stories' });
  ({ sim, api } = linked);
  alice = sim.api.createContact({ name: 'Alice' }).phone;
  bob = sim.api.createContact({ name: 'Bob' }).phone;
  carol = sim.api.createContact({ name: 'Carol' }).phone;
});
afterAll(async () => {
  await linked?.close();
});

describe('status updates', () => {
  it('reach the listed contacts only, through the outbox, and move to sent', async () => {
    const text = await post({
      type: 'text',
      text: 'Open until 8 pm today',
      backgroundColor: '#25D366',
      font: 1,
      contacts: [alice, `+${bob}`, alice],
    });
    expect(text).toMatchObject({
      chat: STATUS,
      type: 'text',
      content: {
        text: 'Open until 8 pm today',
        backgroundColor: '#FF25D366',
        font: 1,
        statusContacts: [alice, bob],
      },
    });
    for (const phone of [alice, bob]) {
      const got = await statusAt(phone, text.waMessageId);
      expect(got).toMatchObject({
        from: linked?.phone,
        chat: STATUS,
        type: 'text',
        content: { text: 'Open until 8 pm today', backgroundColor: '#FF25D366', font: 1 },
      });
    }

    // the positive signal for Carol: a status meant for her arrives, and the first never did
    const png = pngBytes(4_000);
    const image = await post({
      type: 'image',
      base64: png.toString('base64'),
      caption: 'New in',
      contacts: [carol],
    });
    const atCarol = await statusAt(carol, image.waMessageId);
    expect(atCarol).toMatchObject({ type: 'image', content: { caption: 'New in', mimetype: 'image/png' } });
    expect(Buffer.from(String(atCarol.content.data), 'base64').equals(png)).toBe(true);
    expect((await statusesOf(carol)).map((m) => m.id)).toEqual([image.waMessageId]);
    for (const phone of [alice, bob])
      expect((await statusesOf(phone)).map((m) => m.id)).toEqual([text.waMessageId]);

    for (const sent of [text, image]) {
      const row = await eventually(`${sent.id} sent`, async () => {
        const res = await api.get<MessageJson>(`${base}/messages/${sent.id}`);
        return res.body.status === 'sent' ? res.body : undefined;
      });
      expect(row).toMatchObject({ chat: STATUS, waMessageId: sent.waMessageId });
    }
    const history = await api.get<{ items: MessageJson[] }>(`${base}/messages?chat=${STATUS}`);
    expect(history.status).toBe(200);
    expect(history.body.items.map((m) => m.id)).toEqual([image.id, text.id]);
  });

  it('is one status per Idempotency-Key', async () => {
    const body = { type: 'text', text: 'Closed on Sunday', contacts: [alice] };
    const headers = { 'Idempotency-Key': 'status-sunday' };
    const first = await api.request<MessageJson>('POST', `${base}/status`, body, headers);
    const again = await api.request<MessageJson>('POST', `${base}/status`, body, headers);
    expect([first.status, again.status]).toEqual([202, 202]);
    expect(again.body.id).toBe(first.body.id);
    await statusAt(alice, first.body.waMessageId);
    const page = await api.get<{ items: MessageJson[] }>(`${base}/messages?direction=outbound&limit=200`);
    expect(page.body.items.filter((m) => m.content.text === 'Closed on Sunday')).toHaveLength(1);
  });

  it('answers a bad body with a coded 400', async () => {
    const text = { type: 'text', text: 'hello', contacts: [alice] };
    const cases: Array<[unknown, string]> = [
      [{ type: 'text', text: 'hello' }, 'no contacts'],
      [{ ...text, contacts: [] }, 'an empty audience'],
      [{ ...text, contacts: ['not a phone'] }, 'a contact that is no phone number'],
      [{ ...text, type: 'audio' }, 'a type statuses do not have'],
      [{ type: 'text', contacts: [alice] }, 'a text status without text'],
      [{ ...text, backgroundColor: 'green' }, 'a colour that is not hex'],
      [{ ...text, font: 3 }, 'a font WhatsApp does not have'],
      [{ type: 'image', url: 'https://example.com/a.png', font: 1, contacts: [alice] }, 'a font on an image'],
      [{ type: 'image', caption: 'no media', contacts: [alice] }, 'an image without media'],
      [{ ...text, to: alice }, 'a field statuses do not have'],
    ];
    for (const [body, what] of cases) {
      const res = await api.post<Failure>(`${base}/status`, body);
      expect(res.status, what).toBe(400);
      expect(res.body.error.code, what).toMatch(/^ZG_ERR_(VALIDATION|INVALID_MEDIA)$/);
    }
  });

  it("is a 404 for another tenant's instance", async () => {
    const issued = await api.post<Issued>('/api/v1/tenants', { name: 'Elsewhere' });
    const other = api.withKey(issued.body.apiKey.key);
    const res = await other.post<Failure>(`${base}/status`, { type: 'text', text: 'hi', contacts: [alice] });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('ZG_ERR_NOT_FOUND');
  });
});
