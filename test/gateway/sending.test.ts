import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../sim/simulator.ts';
import { EndlessServer } from '../support/endless-server.ts';
import { type InstanceJson, linkByQr, waitForStatus } from '../support/gateway-harness.ts';
import { type ApiClient, eventually } from '../support/http-client.ts';
import { type LinkedGateway, startLinkedGateway } from '../support/linked-gateway.ts';
import { mp4Bytes, oggOpusBytes, pngBytes, webpBytes } from '../support/media-fixtures.ts';

type Sent = { id: string; waMessageId: string; status: string };
type Row = {
  id: string;
  waMessageId: string;
  status: string;
  error: { code: string } | null;
  sentAt: string | null;
  content: Record<string, unknown>;
};

let linked: LinkedGateway | undefined;
let sim: RunningSimulator;
let api: ApiClient;
let media: Server;
let mediaUrl: string;
// past the 1 MB sticker limit, bounded: it stops writing at 32 MB and waits for the client to go
const endless = new EndlessServer(32 * 1024 * 1024, { 'content-type': 'image/webp' });
const png = pngBytes(20_000);
const mp4 = mp4Bytes(20_000);
const ogg = oggOpusBytes(20_000);
const webp = webpBytes(20_000);
let contact: string;

const inbox = (phone: string) => sim.api.contactInbox(phone);
const received = (phone: string, waId: string) =>
  eventually(`contact ${phone} to receive ${waId}`, () => inbox(phone).find((m) => m.id === waId));
const send = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  api.request<Sent>('POST', '/api/v1/instances/shop/messages', body, headers);
const row = (id: string) => api.get<Row>(`/api/v1/instances/shop/messages/${id}`);
const rowStatus = async (id: string, status: string) => {
  let last: Row | undefined;
  try {
    return await eventually(`message ${id} to be ${status}`, async () => {
      last = (await row(id)).body;
      return last.status === status ? last : undefined;
    });
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen: ${JSON.stringify(last)}`);
  }
};

beforeAll(async () => {
  media = createServer((req, res) => {
    if (req.url === '/pic.png') res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => media.listen(0, '127.0.0.1', r));
  mediaUrl = `http://127.0.0.1:${(media.address() as AddressInfo).port}`;
  await endless.start();
  linked = await startLinkedGateway({ name: 'shop', env: { ALLOW_PRIVATE_URLS: '1' } });
  ({ sim, api } = linked);
  contact = sim.api.createContact({ name: 'Customer' }).phone;
});
afterAll(async () => {
  await linked?.close();
  media?.close();
  await endless.close();
});

describe('sending every type through the outbox', () => {
  it('queues (202) and delivers text, media by base64, url and upload, location, contact and poll', async () => {
    const sends: Array<[Record<string, unknown>, (c: Record<string, unknown>) => void]> = [
      [{ type: 'text', text: 'hello there' }, (c) => expect(c.text).toBe('hello there')],
      [
        { type: 'image', base64: png.toString('base64'), caption: 'b64' },
        (c) => expect(Buffer.from(String(c.data), 'base64').equals(png)).toBe(true),
      ],
      [
        { type: 'image', url: `${mediaUrl}/pic.png`, caption: 'by url' },
        (c) => expect(Buffer.from(String(c.data), 'base64').equals(png)).toBe(true),
      ],
      [
        { type: 'video', base64: mp4.toString('base64'), mimetype: 'video/mp4' },
        (c) => expect(Buffer.from(String(c.data), 'base64').equals(mp4)).toBe(true),
      ],
      [{ type: 'audio', base64: ogg.toString('base64'), voice: true }, (c) => expect(c.ptt).toBe(true)],
      [
        { type: 'document', base64: png.toString('base64'), fileName: 'r.pdf', mimetype: 'application/pdf' },
        (c) => expect(c.fileName).toBe('r.pdf'),
      ],
      [
        { type: 'sticker', base64: webp.toString('base64') },
        (c) => expect(Buffer.from(String(c.data), 'base64').equals(webp)).toBe(true),
      ],
      [
        { type: 'location', latitude: 48.85, longitude: 2.35, name: 'Paris' },
        (c) => expect(c).toMatchObject({ latitude: 48.85, longitude: 2.35 }),
      ],
      [
        { type: 'contact', displayName: 'Bob', phone: '15550009999' },
        (c) => expect(String(c.vcard)).toContain('15550009999'),
      ],
      [
        { type: 'poll', name: 'Lunch?', options: ['Pizza', 'Sushi'] },
        (c) => expect(c).toMatchObject({ name: 'Lunch?', options: ['Pizza', 'Sushi'] }),
      ],
    ];
    for (const [body, check] of sends) {
      const res = await send({ to: contact, ...body });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      expect(res.body.status).toBe('queued');
      const got = await received(contact, res.body.waMessageId);
      expect(got.type).toBe(body.type);
      check(got.content);
    }
    const form = new FormData();
    form.set('to', contact);
    form.set('type', 'document');
    form.set('file', new Blob([png], { type: 'application/pdf' }), 'upload.pdf');
    const up = await fetch(`${api.baseUrl}/api/v1/instances/shop/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.key}` },
      body: form,
    });
    expect(up.status).toBe(202);
    const upGot = await received(contact, ((await up.json()) as Sent).waMessageId);
    expect(upGot.content).toMatchObject({ fileName: 'upload.pdf', mimetype: 'application/pdf' });
    expect(Buffer.from(String(upGot.content.data), 'base64').equals(png)).toBe(true);
  });

  it('does not download back the media it has just sent (its echo from WhatsApp)', async () => {
    const before = sim.mediaDownloads();
    const sent = await send({ to: contact, type: 'image', base64: png.toString('base64'), caption: 'once' });
    await received(contact, sent.body.waMessageId);
    await rowStatus(sent.body.id, 'delivered');
    // the echo came before the next send went: once that one arrived, a download would have begun
    const next = await send({ to: contact, type: 'text', text: 'after the image' });
    await received(contact, next.body.waMessageId);
    expect(sim.mediaDownloads()).toBe(before);
  });

  it('issues its privacy token to a contact once, as WhatsApp Web does, not with every message', async () => {
    const fresh = sim.api.createContact({ name: 'Token' });
    const texts = Array.from({ length: 5 }, (_, i) => `token ${i}`);
    for (const text of texts) {
      const res = await api.post(`/api/v1/instances/shop/messages`, { to: fresh.phone, type: 'text', text });
      expect(res.status).toBe(202);
    }
    await eventually('every text at the contact', () =>
      texts.every((t) => inbox(fresh.phone).some((m) => m.content.text === t)),
    );
    const issued = () =>
      Object.entries(sim.api.trustTokens(linked?.phone ?? ''))
        .filter(([jid]) => jid.startsWith(`${fresh.phone}@`) || jid.startsWith(`${fresh.lid.split('@')[0]}@`))
        .reduce((n, [, count]) => n + count, 0);
    await eventually('the token issued', () => issued() >= 1);
    // Each issuance follows its send without being awaited: one more text arriving means the
    // issuances of the five went out before it, on the same socket.
    const last = await api.post<Sent>(`/api/v1/instances/shop/messages`, {
      to: fresh.phone,
      type: 'text',
      text: 'token last',
    });
    await received(fresh.phone, last.body.waMessageId);
    expect(issued()).toBe(1);
  });

  it('carries replies and mentions, and reactions, edits and revokes reach the contact', async () => {
    const first = await send({ to: contact, type: 'text', text: 'original' }, {});
    await received(contact, first.body.waMessageId);
    const reply = await send({
      to: contact,
      type: 'text',
      text: `re @${contact}`,
      replyTo: first.body.id,
      mentions: [contact],
    });
    expect((await received(contact, reply.body.waMessageId)).content).toMatchObject({
      replyTo: first.body.waMessageId,
      mentions: [`${contact}@s.whatsapp.net`],
    });
    const reaction = await send({
      to: contact,
      type: 'reaction',
      messageId: first.body.waMessageId,
      emoji: '👍',
    });
    expect((await received(contact, reaction.body.waMessageId)).content).toMatchObject({
      messageId: first.body.waMessageId,
      emoji: '👍',
    });
    await rowStatus(first.body.id, 'delivered');
    const edited = await api.patch<Row>(`/api/v1/instances/shop/messages/${first.body.id}`, {
      text: 'edited',
    });
    expect(edited.status).toBe(200);
    await eventually('the edit at the contact', () =>
      inbox(contact).find((m) => m.type === 'edit' && m.content.messageId === first.body.waMessageId),
    );
    const revoked = await api.delete(
      `/api/v1/instances/shop/messages/${first.body.waMessageId}?for=everyone`,
    );
    expect(revoked.status).toBe(200);
    await eventually('the revoke at the contact', () =>
      inbox(contact).find((m) => m.type === 'revoke' && m.content.messageId === first.body.waMessageId),
    );
  });

  it('advances statuses to delivered and read from the contact receipts, and waits with ?wait=sent', async () => {
    const res = await api.request<Row>('POST', '/api/v1/instances/shop/messages?wait=sent', {
      to: contact,
      type: 'text',
      text: 'read me',
    });
    expect(res.status).toBe(201);
    expect(['sent', 'delivered']).toContain(res.body.status);
    await rowStatus(res.body.id, 'delivered');
    sim.api.contactReceipt(contact, {
      from: (await api.get<InstanceJson>('/api/v1/instances/shop')).body.phone ?? '',
      ids: [res.body.waMessageId],
      type: 'read',
    });
    const read = await rowStatus(res.body.id, 'read');
    expect(read.content.text).toBe('read me');
  });

  it('returns the same message for the same Idempotency-Key and sends it once', async () => {
    const key = `order-${randomBytes(4).toString('hex')}`;
    const a = await send({ to: contact, type: 'text', text: 'only once' }, { 'idempotency-key': key });
    const b = await send({ to: contact, type: 'text', text: 'only once' }, { 'idempotency-key': key });
    expect(b.body.id).toBe(a.body.id);
    await received(contact, a.body.waMessageId);
    const after = await send({ to: contact, type: 'text', text: 'after only once' });
    await received(contact, after.body.waMessageId);
    expect(inbox(contact).filter((m) => m.content.text === 'only once')).toHaveLength(1);
  });

  it('keeps order per chat under concurrent requests', async () => {
    const other = sim.api.createContact({}).phone;
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        send({ to: i % 2 ? contact : other, type: 'text', text: `n${i}` }),
      ),
    );
    const ids = new Set(results.map((r) => r.body.waMessageId));
    for (const phone of [contact, other]) {
      await eventually(
        'every concurrent message',
        () => inbox(phone).filter((m) => ids.has(m.id)).length === 20,
      );
      const arrived = inbox(phone)
        .filter((m) => ids.has(m.id))
        .map((m) => m.id);
      const history = await api.get<{ items: Row[] }>(
        `/api/v1/instances/shop/messages?chat=${phone}&direction=outbound&limit=200`,
      );
      const accepted = history.body.items
        .filter((m) => ids.has(m.waMessageId))
        .map((m) => m.waMessageId)
        .reverse();
      expect(arrived).toEqual(accepted);
    }
  });

  it('gives coded 4xx for bad requests and a coded failed status for what only sending can tell', async () => {
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ to: 'nobody', type: 'text', text: 'x' }, 400, 'ZG_ERR_VALIDATION'],
      [{ to: contact, type: 'text' }, 400, 'ZG_ERR_VALIDATION'],
      [{ to: contact, type: 'fax', text: 'x' }, 400, 'ZG_ERR_VALIDATION'],
      [
        { to: contact, type: 'sticker', base64: randomBytes(1024 * 1024 + 1).toString('base64') },
        400,
        'ZG_ERR_VALIDATION',
      ],
      [{ to: contact, type: 'image' }, 400, 'ZG_ERR_VALIDATION'],
      [{ to: contact, type: 'image', base64: 'not base64 at all!!' }, 400, 'ZG_ERR_INVALID_MEDIA'],
      [{ to: contact, type: 'image', base64: mp4.toString('base64') }, 400, 'ZG_ERR_INVALID_MEDIA'],
      [
        { to: contact, type: 'audio', base64: randomBytes(64).toString('base64') },
        400,
        'ZG_ERR_INVALID_MEDIA',
      ],
      [
        { to: contact, type: 'image', base64: png.toString('base64'), mimetype: 'application/pdf' },
        400,
        'ZG_ERR_INVALID_MEDIA',
      ],
      [{ to: contact, type: 'text', text: 'x', replyTo: 'NO-SUCH-ID' }, 400, 'ZG_ERR_UNKNOWN_MESSAGE'],
      [{ to: contact, type: 'poll', name: 'p', options: ['only one'] }, 400, 'ZG_ERR_VALIDATION'],
    ];
    for (const [body, status, code] of cases) {
      const res = await api.request<{ error: { code: string } }>(
        'POST',
        '/api/v1/instances/shop/messages',
        body,
      );
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(status);
      expect(res.body.error.code).toBe(code);
    }
    const unreachable = await send({ to: contact, type: 'image', url: `${mediaUrl}/missing.png` });
    expect((await rowStatus(unreachable.body.id, 'failed')).error?.code).toBe('ZG_ERR_MEDIA_UNREACHABLE');
    const stranger = await send({ to: '19990001234', type: 'text', text: 'hello?' });
    expect((await rowStatus(stranger.body.id, 'failed')).error?.code).toMatch(/^ZG_ERR_WA_/);
  });

  it('stops reading media by URL past its size limit: an endless body fails the message and is cut off', async () => {
    const res = await send({ to: contact, type: 'sticker', url: `${endless.url}/forever.webp` });
    expect(res.status).toBe(202);
    expect((await rowStatus(res.body.id, 'failed')).error?.code).toBe('ZG_ERR_MEDIA_TOO_LARGE');
    const stream = await eventually('the download to be cut off', () =>
      endless.streams.find((s) => s.path === '/forever.webp' && s.closedByClient),
    );
    expect(stream.written).toBeLessThan(32 * 1024 * 1024);
  });

  it('refuses (409) a send to an instance never linked, showing a QR, or logged out', async () => {
    const spare = sim.api.createAccount({ name: 'spare' }).phone;
    const created = await api.post<InstanceJson>('/api/v1/instances', { name: 'spare', start: false });
    const sendSpare = () =>
      api.request<{ error: { code: string } }>('POST', '/api/v1/instances/spare/messages', {
        to: contact,
        type: 'text',
        text: 'cannot go',
      });
    const refused = async () => {
      const res = await sendSpare();
      expect([res.status, res.body.error?.code]).toEqual([409, 'ZG_ERR_NOT_LINKED']);
    };
    await refused();
    await api.post('/api/v1/instances/spare/start');
    await waitForStatus(api, 'spare', 'qr');
    await refused();
    await linkByQr(api, sim.info.adminUrl, created.body.id, spare);
    expect((await sendSpare()).status).toBe(202);
    await api.post('/api/v1/instances/spare/logout');
    await waitForStatus(api, 'spare', 'logged_out');
    await refused();
    expect((await api.delete('/api/v1/instances/spare')).status).toBe(204);
  });

  it('holds the queue while the instance is down and flushes it on reconnect', async () => {
    await api.post('/api/v1/instances/shop/stop');
    const held = await Promise.all(
      [1, 2, 3].map((i) => send({ to: contact, type: 'text', text: `held ${i}` })),
    );
    for (const h of held) expect([h.status, (await row(h.body.id)).body.status]).toEqual([202, 'queued']);
    const queue = await api.get<{ total: Record<string, number> }>('/api/v1/queue');
    expect(queue.body.total.queued).toBeGreaterThanOrEqual(3);
    await api.post('/api/v1/instances/shop/start');
    await waitForStatus(api, 'shop', 'connected');
    for (const h of held) await received(contact, h.body.waMessageId);
  });

  it('a stop while a message is in flight fails nothing: it goes when the instance returns', async () => {
    // "typing…" keeps the message in flight (sending) for over half a second before it is written
    await api.patch('/api/v1/instances/shop', { settings: { pacing: { typing: true } } });
    const inFlight = await send({ to: contact, type: 'text', text: 'caught by the stop' });
    await rowStatus(inFlight.body.id, 'sending');
    await api.post('/api/v1/instances/shop/stop');
    await api.patch('/api/v1/instances/shop', { settings: { pacing: { typing: false } } });
    await api.post('/api/v1/instances/shop/start');
    await waitForStatus(api, 'shop', 'connected');
    await received(contact, inFlight.body.waMessageId);
    expect((await row(inFlight.body.id)).body.status).not.toBe('failed');
  });

  it('spaces sends within the pacing bounds of the instance', async () => {
    await api.patch('/api/v1/instances/shop', { settings: { pacing: { minDelayMs: 400, maxDelayMs: 700 } } });
    const burst = [];
    for (let i = 0; i < 5; i++) burst.push(await send({ to: contact, type: 'text', text: `paced ${i}` }));
    const rows = [];
    for (const b of burst) rows.push(await rowStatus(b.body.id, 'delivered'));
    const times = rows.map((r) => new Date(r.sentAt ?? 0).getTime());
    for (let i = 1; i < times.length; i++)
      expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(390);
    await api.patch('/api/v1/instances/shop', { settings: { pacing: { minDelayMs: 0, maxDelayMs: 0 } } });
  });

  it('fails a message whose ttl runs out in the queue, and never sends it', async () => {
    await api.patch('/api/v1/instances/shop', {
      settings: { pacing: { minDelayMs: 2_500, maxDelayMs: 2_500 } },
    });
    const first = await send({ to: contact, type: 'text', text: 'before the gap' });
    const late = await send({ to: contact, type: 'text', text: 'too late', ttl: 1 });
    await rowStatus(first.body.id, 'delivered');
    const expired = await rowStatus(late.body.id, 'failed');
    expect(expired.error?.code).toBe('ZG_ERR_EXPIRED');
    await api.patch('/api/v1/instances/shop', { settings: { pacing: { minDelayMs: 0, maxDelayMs: 0 } } });

    await api.post('/api/v1/instances/shop/stop');
    const queuedAt = Date.now();
    const held = await send({ to: contact, type: 'text', text: 'expires while down', ttl: 1 });
    // what is awaited here is the clock itself: the 1 s ttl running out while the instance is down
    await eventually('the ttl to run out', () => Date.now() > queuedAt + 1_200, 5_000, 50);
    await api.post('/api/v1/instances/shop/start');
    await waitForStatus(api, 'shop', 'connected');
    expect((await rowStatus(held.body.id, 'failed')).error?.code).toBe('ZG_ERR_EXPIRED');
    const after = await send({ to: contact, type: 'text', text: 'after the expired one' });
    await received(contact, after.body.waMessageId);
    expect(inbox(contact).some((m) => m.id === late.body.waMessageId || m.id === held.body.waMessageId)).toBe(
      false,
    );
  });

  it('stops at the daily limit, holding the rest queued until the limit is raised', async () => {
    type Queue = { items: Array<{ instanceId: string; counts: Record<string, number> }> };
    const shop = (await api.get<InstanceJson>('/api/v1/instances/shop')).body;
    const counts =
      (await api.get<Queue>('/api/v1/queue')).body.items.find((i) => i.instanceId === shop.id)?.counts ?? {};
    const sentToday = ['sent', 'delivered', 'read', 'played'].reduce((n, s) => n + (counts[s] ?? 0), 0);
    await api.patch('/api/v1/instances/shop', { settings: { pacing: { dailyLimit: sentToday + 2 } } });
    const burst = [];
    for (let i = 0; i < 3; i++) burst.push(await send({ to: contact, type: 'text', text: `capped ${i}` }));
    await rowStatus(burst[0]?.body.id ?? '', 'delivered');
    // the second's receipt came back long after the loop would have taken the third, were it allowed
    await rowStatus(burst[1]?.body.id ?? '', 'delivered');
    expect((await row(burst[2]?.body.id ?? '')).body.status).toBe('queued');
    await api.patch('/api/v1/instances/shop', { settings: { pacing: { dailyLimit: 0 } } });
    await rowStatus(burst[2]?.body.id ?? '', 'delivered');
  });
});
