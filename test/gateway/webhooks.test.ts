import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connectSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../sim/simulator.ts';
import { verifySignature } from '../../src/webhooks/signing.ts';
import { type GatewayProcess, waitForStatus } from '../support/gateway-harness.ts';
import { type ApiClient, eventually, SseReader } from '../support/http-client.ts';
import { type LinkedGateway, startLinkedGateway } from '../support/linked-gateway.ts';

interface Hit {
  id: string;
  event: string;
  path: string;
  body: Record<string, unknown>;
  valid: boolean;
}

/** A real webhook receiver on loopback whose answer the test sets. */
class Receiver {
  hits: Hit[] = [];
  answer = 200;
  /** Lets a test hold a request, or answer it with another status (then it is not recorded). */
  intercept: ((body: Record<string, unknown>) => Promise<number | undefined>) | undefined;
  server: Server;
  url = '';
  constructor(private readonly secret: () => string) {
    this.server = createServer(
      (req, res) =>
        void this.onRequest(req).then((status) =>
          res.writeHead(status, { 'retry-after': '0' }).end(status >= 400 ? 'not now' : 'ok'),
        ),
    );
  }
  private async onRequest(req: IncomingMessage): Promise<number> {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const h = (n: string) => String(req.headers[n] ?? '');
    const body = JSON.parse(raw) as Record<string, unknown>;
    const override = await this.intercept?.(body);
    if (override !== undefined) return override;
    if (this.answer < 300) {
      this.hits.push({
        id: h('x-webhook-id'),
        event: h('x-webhook-event'),
        path: req.url ?? '',
        body,
        valid: verifySignature(this.secret(), h('x-webhook-timestamp'), raw, h('x-webhook-signature')),
      });
    }
    return this.answer;
  }
  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this;
  }
}

let linked: LinkedGateway | undefined;
let sim: RunningSimulator;
let gw: GatewayProcess;
let api: ApiClient;
let phone: string;
let contact: string;
let secret = '';
const receiver = new Receiver(() => secret);

beforeAll(async () => {
  await receiver.start();
  linked = await startLinkedGateway({
    name: 'hooked',
    env: { WEBHOOK_ALLOW_PRIVATE: '1', WEBHOOK_RETRY_BASE_MS: '100', WEBHOOK_RETRY_MAX_MS: '500' },
    // Before the instance exists, so the webhook also hears it being linked.
    beforeLink: async (client) => {
      const hook = await client.post<{ id: string; secret: string }>('/api/v1/webhooks', {
        url: receiver.url,
        events: ['message.*', 'instance.status'],
      });
      expect(hook.status).toBe(201);
      secret = hook.body.secret;
    },
  });
  ({ sim, gw, api, phone } = linked);
  contact = sim.api.createContact({ name: 'Sender' }).phone;
});
afterAll(async () => {
  await linked?.close();
  receiver.server.close();
});

const receivedTexts = () =>
  receiver.hits
    .filter((h) => h.event === 'message.received')
    .map((h) => (h.body.data as { content: { text?: string } }).content.text)
    .filter((t): t is string => typeof t === 'string');

describe('webhooks', () => {
  it('delivers signed events: the status changes of linking and every received message', async () => {
    await eventually('instance.status connected', () =>
      receiver.hits.find(
        (h) => h.event === 'instance.status' && (h.body.data as { status: string }).status === 'connected',
      ),
    );
    const sent = await sim.api.contactSend(contact, { to: phone, type: 'text', text: 'first' });
    const hit = await eventually('message.received', () =>
      receiver.hits.find((h) => h.event === 'message.received'),
    );
    expect(hit.valid).toBe(true);
    expect(hit.body).toMatchObject({
      event: 'message.received',
      instance: { name: 'hooked' },
      data: {
        waMessageId: sent.id,
        chat: `${contact}@s.whatsapp.net`,
        content: { sender: { phone: contact } },
      },
    });
    expect(receiver.hits.every((h) => h.valid)).toBe(true);
  });

  it('delivers every inbound type as message.received with its content, and our sends as message.status', async () => {
    const inputs: Array<[Record<string, unknown>, Record<string, unknown>]> = [
      [
        { type: 'image', data: Buffer.from('img').toString('base64'), caption: 'pic' },
        { caption: 'pic', mimetype: 'image/jpeg' },
      ],
      [{ type: 'video', data: Buffer.from('vid').toString('base64') }, { mimetype: 'video/mp4' }],
      [{ type: 'audio', data: Buffer.from('aud').toString('base64'), ptt: true }, { voice: true }],
      [
        {
          type: 'document',
          data: Buffer.from('doc').toString('base64'),
          fileName: 'a.txt',
          mimetype: 'text/plain',
        },
        { fileName: 'a.txt' },
      ],
      [{ type: 'sticker', data: Buffer.from('stk').toString('base64') }, { mimetype: 'image/webp' }],
      [
        { type: 'location', latitude: 10, longitude: 20 },
        { latitude: 10, longitude: 20 },
      ],
      [{ type: 'contact', displayName: 'Zed', phone: '15550004444' }, { displayName: 'Zed' }],
      [
        { type: 'poll', name: 'Q?', options: ['a', 'b'] },
        { name: 'Q?', options: ['a', 'b'] },
      ],
      [{ type: 'text', text: 'with mention', mentions: [phone] }, { mentions: [`${phone}@s.whatsapp.net`] }],
    ];
    for (const [input, content] of inputs) {
      const { id } = await sim.api.contactSend(contact, { to: phone, ...input });
      const hit = await eventually(`message.received ${String(input.type)}`, () =>
        receiver.hits.find(
          (h) =>
            h.event === 'message.received' && (h.body.data as { waMessageId: string }).waMessageId === id,
        ),
      );
      expect(hit.valid).toBe(true);
      expect(hit.body.data).toMatchObject({ type: input.type === 'text' ? 'text' : input.type, content });
    }
    const sent = await api.request<{ waMessageId: string }>('POST', '/api/v1/instances/hooked/messages', {
      to: contact,
      type: 'text',
      text: 'status please',
    });
    const status = await eventually('message.status delivered', () =>
      receiver.hits.find(
        (h) =>
          h.event === 'message.status' &&
          (h.body.data as { waMessageId: string; status: string }).waMessageId === sent.body.waMessageId &&
          (h.body.data as { status: string }).status === 'delivered',
      ),
    );
    expect(status.valid).toBe(true);
  });

  it('retries through an outage of 503s and ends with every event once, in order', async () => {
    const refused: string[] = [];
    receiver.intercept = async (body) => {
      refused.push(String((body.data as { content?: { text?: string } } | undefined)?.content?.text));
      return 503;
    };
    const texts = Array.from({ length: 8 }, (_, i) => `outage ${i}`);
    for (const text of texts) await sim.api.contactSend(contact, { to: phone, type: 'text', text });
    // the outage lasts until the first event has been refused again and again, with all eight queued
    await eventually(
      'three refusals of the first, all eight in the history',
      async () => {
        if (refused.filter((t) => t === 'outage 0').length < 3) return false;
        const history = await api.get<{ items: Array<{ content: { text?: string } }> }>(
          '/api/v1/instances/hooked/messages?direction=inbound&limit=20',
        );
        return texts.every((t) => history.body.items.some((m) => m.content.text === t));
      },
      60_000,
    );
    receiver.intercept = undefined;
    await eventually(
      'every message after the outage',
      () => texts.every((t) => receivedTexts().includes(t)),
      60_000,
    );
    const got = receivedTexts().filter((t) => t.startsWith('outage'));
    expect(got).toEqual(texts);
    const ids = receiver.hits.map((h) => h.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('a failed delivery holds back those claimed behind it, and they follow as soon as it succeeds', async () => {
    const textOf = (body: Record<string, unknown>) =>
      (body.data as { content?: { text?: string } } | undefined)?.content?.text;
    let attemptsOfFirst = 0;
    receiver.intercept = async (body) => {
      const text = textOf(body);
      // While 'gate' is being answered, the rest queue up and are claimed together after it.
      if (text === 'gate') await new Promise((r) => setTimeout(r, 2_000));
      if (text === 'held 0' && attemptsOfFirst++ === 0) return 503;
      return undefined;
    };
    const texts = ['gate', ...Array.from({ length: 5 }, (_, i) => `held ${i}`)];
    for (const text of texts) await sim.api.contactSend(contact, { to: phone, type: 'text', text });
    // Well within the 60 s a claim leases its rows for: the rows behind the failure were given back.
    await eventually('every held message', () => texts.every((t) => receivedTexts().includes(t)), 20_000);
    receiver.intercept = undefined;
    expect(receivedTexts().filter((t) => texts.includes(t))).toEqual(texts);
    expect(attemptsOfFirst).toBe(2);
  });

  it('marks a delivery dead at once on a 400 and keeps the response; redeliver sends it again', async () => {
    receiver.answer = 400;
    await sim.api.contactSend(contact, { to: phone, type: 'text', text: 'refused' });
    const hooks = await api.get<{ items: Array<{ id: string }> }>('/api/v1/webhooks');
    const hookId = hooks.body.items[0]?.id ?? '';
    const dead = await eventually('a dead delivery', async () => {
      const page = await api.get<{
        items: Array<{
          id: string;
          status: string;
          lastStatusCode: number;
          lastResponse: string;
          attempts: number;
        }>;
      }>(`/api/v1/webhooks/${hookId}/deliveries?status=dead`);
      return page.body.items[0];
    });
    expect(dead).toMatchObject({ lastStatusCode: 400, lastResponse: 'not now', attempts: 1 });
    receiver.answer = 200;
    const again = await api.post<{ status: string }>(`/api/v1/webhook-deliveries/${dead.id}/redeliver`);
    expect(again.status).toBe(200);
    await eventually('the redelivered event', () => receivedTexts().includes('refused'));
  });

  it('keeps pending deliveries across a SIGKILL and delivers them after the restart', async () => {
    let refusals = 0;
    receiver.intercept = async (body) => {
      const text = (body.data as { content?: { text?: string } } | undefined)?.content?.text;
      if (text !== 'survives a crash') return undefined;
      refusals += 1;
      return 503;
    };
    await sim.api.contactSend(contact, { to: phone, type: 'text', text: 'survives a crash' });
    // tried once and refused: the delivery row is pending a retry when the process dies
    await eventually('a refused attempt', () => refusals > 0);
    await gw.stop('SIGKILL');
    receiver.intercept = undefined;
    await gw.start();
    await eventually(
      'the delivery after the restart',
      () => receivedTexts().includes('survives a crash'),
      30_000,
    );
    await waitForStatus(api, 'hooked', 'connected');
  });

  it('stops after the deliveries in flight, and the rest of their runs go out after the restart', async () => {
    const texts = Array.from({ length: 8 }, (_, i) => `slow ${i}`);
    let arrived = 0;
    receiver.intercept = async (body) => {
      const text = (body.data as { content?: { text?: string } } | undefined)?.content?.text;
      // While 'gate' is being answered, all eight queue up: the next claim takes them as one run.
      if (text === 'gate') await new Promise((r) => setTimeout(r, 2_000));
      if (!text?.startsWith('slow ')) return undefined;
      arrived += 1;
      // Each one answered after a second: the run of eight would take eight.
      await new Promise((r) => setTimeout(r, 1_000));
      return undefined;
    };
    try {
      await sim.api.contactSend(contact, { to: phone, type: 'text', text: 'gate' });
      for (const text of texts) await sim.api.contactSend(contact, { to: phone, type: 'text', text });
      await eventually('the first slow delivery to arrive', () => arrived > 0, 20_000);
      expect(await gw.stop('SIGTERM')).toBe(0);
      // the deliveries in flight were finished, not the rest of their run
      expect(arrived).toBeLessThan(texts.length);
      expect(texts.filter((t) => receivedTexts().includes(t)).length).toBeLessThan(texts.length);
      await gw.start();
      // a restart on a loaded machine, then up to seven deliveries of a second each, one after another
      await eventually(
        'every slow message after the restart',
        () => texts.every((t) => receivedTexts().includes(t)),
        60_000,
      );
      expect(receivedTexts().filter((t) => texts.includes(t))).toEqual(texts);
    } finally {
      receiver.intercept = undefined;
    }
    await waitForStatus(api, 'hooked', 'connected');
  });

  it('streams the same events over SSE, and a client resuming with Last-Event-ID misses nothing', async () => {
    const first = new SseReader(`${api.baseUrl}/api/v1/events?events=message.*`, api.key ?? '');
    await eventually('the stream to open', () => first.opened);
    await sim.api.contactSend(contact, { to: phone, type: 'text', text: 'live 1' });
    const seen = await eventually('live 1 on SSE', () =>
      first.events.find((e) => (e.data.data as { content?: { text?: string } })?.content?.text === 'live 1'),
    );
    first.close();
    for (const text of ['missed 1', 'missed 2'])
      await sim.api.contactSend(contact, { to: phone, type: 'text', text });
    await eventually('both stored', () => receivedTexts().includes('missed 2'));
    const resumed = new SseReader(`${api.baseUrl}/api/v1/events`, api.key ?? '', seen.id);
    await eventually('the missed events replayed', () => {
      const texts = resumed.events.map(
        (e) => (e.data.data as { content?: { text?: string } })?.content?.text,
      );
      return texts.includes('missed 1') && texts.includes('missed 2');
    });
    resumed.close();
  });

  it("delivers to the webhook in the instance's own settings, signed with its own secret", async () => {
    const patched = await api.patch('/api/v1/instances/hooked', {
      settings: { webhook: { url: `${receiver.url}?own=1`, events: ['message.received'], secret: secret } },
    });
    expect(patched.status).toBe(200);
    await sim.api.contactSend(contact, { to: phone, type: 'text', text: 'to both hooks' });
    const own = await eventually('the instance webhook', () =>
      receiver.hits.find(
        (h) =>
          h.path.includes('own=1') &&
          (h.body.data as { content: { text: string } }).content.text === 'to both hooks',
      ),
    );
    expect(own.valid).toBe(true);
    const bad = await api.patch<{ error: { code: string } }>('/api/v1/instances/hooked', {
      settings: { webhook: { url: 'ftp://nope' } },
    });
    expect(bad.status).toBe(400);
    await api.patch('/api/v1/instances/hooked', { settings: { webhook: null } });
  });

  it('gives socket.io clients the same envelopes, and refuses a bad key', async () => {
    const socket = connectSocket(api.baseUrl, {
      path: '/socket.io',
      auth: { apiKey: api.key },
      transports: ['websocket'],
    });
    const got: Array<{ id: string; event: string; data: { content?: { text?: string } } }> = [];
    socket.on('event', (e) => got.push(e));
    await eventually('the socket to connect', () => socket.connected);
    await sim.api.contactSend(contact, { to: phone, type: 'text', text: 'over socket.io' });
    const viaSocket = await eventually('the event on socket.io', () =>
      got.find((e) => e.data.content?.text === 'over socket.io'),
    );
    const viaHook = await eventually('the same event on the webhook', () =>
      receiver.hits.find((h) => h.id === viaSocket.id),
    );
    expect(viaHook.body).toEqual(viaSocket);
    socket.close();
    const refused = connectSocket(api.baseUrl, {
      path: '/socket.io',
      auth: { apiKey: 'zg_nope' },
      transports: ['websocket'],
    });
    const error = await new Promise<Error>((resolve) => refused.on('connect_error', resolve));
    expect(error.message).toMatch(/UNAUTHORIZED/);
    refused.close();
  });

  it("never shows tenant B's events to tenant A, on the stream or its webhooks", async () => {
    const a = await api.post<{ apiKey: { key: string } }>('/api/v1/tenants', { name: 'A' });
    const tenantA = api.withKey(a.body.apiKey.key);
    const stream = new SseReader(`${api.baseUrl}/api/v1/events`, a.body.apiKey.key);
    const socketA = connectSocket(api.baseUrl, {
      path: '/socket.io',
      auth: { apiKey: a.body.apiKey.key },
      transports: ['websocket'],
    });
    const socketEvents: unknown[] = [];
    socketA.on('event', (e) => socketEvents.push(e));
    await eventually('tenant socket to connect', () => socketA.connected);
    await eventually('the stream to open', () => stream.opened);
    const aHook = await tenantA.post<{ id: string }>('/api/v1/webhooks', {
      url: `${receiver.url}?tenant=a`,
      events: ['*'],
    });
    expect(aHook.status).toBe(201);
    await sim.api.contactSend(contact, { to: phone, type: 'text', text: 'operator only' });
    await eventually('the operator sees it', () => receivedTexts().includes('operator only'));
    // published after the operator's event: once A has its own instance's events, any leak was there
    const own = await tenantA.post<{ id: string }>('/api/v1/instances', { name: 'a-own' });
    expect(own.status).toBe(201);
    const deliveriesOfA = async () =>
      (await tenantA.get<{ items: unknown[] }>(`/api/v1/webhooks/${aHook.body.id}/deliveries`)).body.items;
    await eventually(
      "A's own events on its stream, socket and webhook",
      async () => stream.events.length > 0 && socketEvents.length > 0 && (await deliveriesOfA()).length > 0,
    );
    const ownOnly = (e: unknown) => (e as { instance?: { id: string } }).instance?.id === own.body.id;
    expect(stream.events.filter((e) => e.event !== undefined).every((e) => ownOnly(e.data))).toBe(true);
    expect(socketEvents.every(ownOnly)).toBe(true);
    const page = JSON.stringify(await deliveriesOfA());
    expect(page).not.toContain('operator only');
    expect(page).not.toContain(linked?.instance.id ?? 'no instance');
    expect((await tenantA.delete(`/api/v1/instances/${own.body.id}`)).status).toBe(204);
    const [hook] = (await api.get<{ items: Array<{ id: string }> }>('/api/v1/webhooks')).body.items;
    const theirs = await api.get<{ items: Array<{ id: string }> }>(`/api/v1/webhooks/${hook?.id}/deliveries`);
    const id = theirs.body.items[0]?.id ?? '';
    const again = await tenantA.post<{ error: unknown }>(`/api/v1/webhook-deliveries/${id}/redeliver`);
    // a plain 404 that names only the id given, not the operator's webhook
    expect([again.status, again.body.error]).toEqual([
      404,
      { code: 'ZG_ERR_NOT_FOUND', message: `delivery ${id} not found` },
    ]);
    socketA.close();
    stream.close();
  });
});
