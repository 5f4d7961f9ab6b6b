import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/http-client.ts';
import { type LinkedGateway, startLinkedGateway } from '../support/linked-gateway.ts';
import { webpBytes } from '../support/media-fixtures.ts';

type Sent = { id: string; waMessageId: string; status: string };
type Row = Sent & { error: { code: string } | null; content: Record<string, unknown> };
type Failure = { error: { code: string; message: string; details?: Record<string, unknown> } };

const STICKER_LIMIT = 1024 * 1024;
const INBOUND_LIMIT = 50_000;
const fits = webpBytes(STICKER_LIMIT);
const over = webpBytes(STICKER_LIMIT + 1);

/** Serves the over-limit sticker with its length declared, and chunked with no length at all. */
function startMediaServer(): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/fits.webp') return res.writeHead(200, { 'content-type': 'image/webp' }).end(fits);
    if (req.url === '/declared.webp')
      return res.writeHead(200, { 'content-type': 'image/webp', 'content-length': over.length }).end(over);
    if (req.url === '/chunked.webp') {
      res.writeHead(200, { 'content-type': 'image/webp' });
      for (let at = 0; at < over.length; at += 64 * 1024) res.write(over.subarray(at, at + 64 * 1024));
      return res.end();
    }
    res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('media size limits', () => {
  let linked: LinkedGateway;
  let media: Server;
  let mediaUrl: string;
  let contact: string;
  const path = () => `/api/v1/instances/${linked.instance.id}/messages`;
  const send = (body: Record<string, unknown>) => linked.api.request<Sent & Failure>('POST', path(), body);
  const rowWhen = (id: string, done: (row: Row) => boolean) =>
    eventually(`message ${id} to settle`, async () => {
      const res = await linked.api.get<Row>(`${path()}/${id}`);
      return res.status === 200 && done(res.body) ? res.body : undefined;
    });
  const upload = async (file: Buffer) => {
    const form = new FormData();
    form.set('to', contact);
    form.set('type', 'sticker');
    form.set('file', new Blob([file], { type: 'image/webp' }), 'sticker.webp');
    const res = await fetch(`${linked.api.baseUrl}${path()}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${linked.api.key}` },
      body: form,
    });
    return { status: res.status, body: (await res.json()) as Sent & Failure };
  };

  beforeAll(async () => {
    media = await startMediaServer();
    mediaUrl = `http://127.0.0.1:${(media.address() as AddressInfo).port}`;
    linked = await startLinkedGateway({
      name: 'sizes',
      env: { ALLOW_PRIVATE_URLS: '1', INBOUND_MEDIA_MAX_BYTES: String(INBOUND_LIMIT) },
    });
    contact = linked.sim.api.createContact({ name: 'Sizer' }).phone;
  });
  afterAll(async () => {
    await linked?.close();
    media?.close();
  });

  it('by URL: a body past the type limit fails the message, declared or not; one at the limit goes', async () => {
    for (const name of ['declared', 'chunked']) {
      const res = await send({ to: contact, type: 'sticker', url: `${mediaUrl}/${name}.webp` });
      expect(res.status).toBe(202);
      const row = await rowWhen(res.body.id, (r) => r.status === 'failed' || r.status === 'delivered');
      expect([name, row.status, row.error?.code]).toEqual([name, 'failed', 'ZG_ERR_MEDIA_TOO_LARGE']);
    }
    const ok = await send({ to: contact, type: 'sticker', url: `${mediaUrl}/fits.webp` });
    expect(ok.status).toBe(202);
    const row = await rowWhen(ok.body.id, (r) => r.status === 'failed' || r.status === 'delivered');
    expect(row.status).toBe('delivered');
    const arrived = linked.sim.api.contactInbox(contact).find((m) => m.id === ok.body.waMessageId);
    expect(Buffer.from(String(arrived?.content.data), 'base64').length).toBe(STICKER_LIMIT);
  });

  it('multipart: a file past the type limit is a coded 400 naming the limit; one at the limit is queued', async () => {
    const refused = await upload(over);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('ZG_ERR_VALIDATION');
    expect(refused.body.error.details).toMatchObject({ field: 'media', limit: STICKER_LIMIT });
    const accepted = await upload(fits);
    expect(accepted.status).toBe(202);
    await rowWhen(accepted.body.id, (r) => r.status === 'delivered');
  });

  it('inbound: media past INBOUND_MEDIA_MAX_BYTES is recorded without its bytes, with the reason', async () => {
    const { sim, phone, api } = linked;
    const small = randomBytes(INBOUND_LIMIT - 1000);
    const big = randomBytes(INBOUND_LIMIT + 1000);
    const kept = await sim.api.contactSend(contact, {
      to: phone,
      type: 'image',
      data: small.toString('base64'),
    });
    const dropped = await sim.api.contactSend(contact, {
      to: phone,
      type: 'image',
      data: big.toString('base64'),
      caption: 'too big to keep',
    });
    const row = await rowWhen(dropped.id, () => true);
    expect(row.content).toMatchObject({ caption: 'too big to keep', mimetype: 'image/jpeg' });
    expect(String(row.content.mediaError)).toMatch(new RegExp(`${INBOUND_LIMIT}-byte cap`));
    const none = await api.get<Failure>(`${path()}/${dropped.id}/media`);
    expect([none.status, none.body.error.code]).toEqual([404, 'ZG_ERR_NOT_FOUND']);
    await rowWhen(kept.id, () => true);
    const bytes = await api.get(`${path()}/${kept.id}/media`);
    expect(bytes.status).toBe(200);
    expect(Buffer.from(bytes.body as unknown as Buffer).equals(small)).toBe(true);
  });
});
