import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../sim/simulator.ts';
import { type ApiClient, eventually } from '../support/http-client.ts';
import { InProcessGateway } from '../support/in-process-gateway.ts';
import { type LinkedGateway, startLinkedGateway } from '../support/linked-gateway.ts';
import { mp4Bytes, oggOpusBytes } from '../support/media-fixtures.ts';

type Sent = { id: string; waMessageId: string; status: string };
type Coded = { error: { code: string; message: string } };
type Card = { matchedText: string; title: string; description?: string; jpegThumbnail?: string };
type Group = { jid: string; participants: Array<{ jid: string; phone: string | null }> };

const base = '/api/v1/instances/features';
let linked: LinkedGateway | undefined;
let sim: RunningSimulator;
let api: ApiClient;
let pages: Server;
let site: string;
let contact: string;
let picture: Buffer;

const send = (body: Record<string, unknown>) =>
  api.request<Sent & Coded>('POST', `${base}/messages?wait=sent`, { to: contact, ...body });
const received = (phone: string, waId: string) =>
  eventually(`contact ${phone} to receive ${waId}`, () =>
    sim.api.contactInbox(phone).find((m) => m.id === waId),
  );
const sentTo = async (phone: string, body: Record<string, unknown>) => {
  const res = await send({ to: phone, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return received(phone, res.body.waMessageId);
};

const html = (head: string) => `<!doctype html><html><head>${head}</head><body>hello</body></html>`;

beforeAll(async () => {
  picture = await sharp({ create: { width: 320, height: 200, channels: 3, background: '#c03' } })
    .png()
    .toBuffer();
  pages = createServer((req, res) => {
    const page = (body: string) =>
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
    if (req.url === '/article')
      page(
        html(
          '<meta property="og:title" content="Spring &amp; Summer">' +
            '<meta property="og:description" content="Up to 50% off">' +
            '<meta property="og:image" content="/pic.png"><title>ignored</title>',
        ),
      );
    else if (req.url === '/plain') page(html('<title> Plain page </title>'));
    else if (req.url === '/pic.png') res.writeHead(200, { 'content-type': 'image/png' }).end(picture);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => pages.listen(0, '127.0.0.1', r));
  site = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
  linked = await startLinkedGateway({
    name: 'features',
    env: { ALLOW_PRIVATE_URLS: '1', LINK_PREVIEWS: '1' },
  });
  ({ sim, api } = linked);
  contact = sim.api.createContact({ name: 'Reader' }).phone;
});
afterAll(async () => {
  await linked?.close();
  pages?.close();
});

describe('link previews', () => {
  it('sends the card the caller gives, its thumbnail fetched and shrunk to a JPEG', async () => {
    const text = `Our sale: ${site}/sale today`;
    const got = await sentTo(contact, {
      type: 'text',
      text,
      linkPreview: {
        url: `${site}/sale`,
        title: 'The sale',
        description: 'All week',
        thumbnailUrl: `${site}/pic.png`,
      },
    });
    expect(got.content.text).toBe(text);
    const card = got.content.linkPreview as Card;
    expect(card).toMatchObject({ matchedText: `${site}/sale`, title: 'The sale', description: 'All week' });
    const thumb = Buffer.from(card.jpegThumbnail ?? '', 'base64');
    expect((await sharp(thumb).metadata()).format).toBe('jpeg');
  });

  it('builds the card from the page: Open Graph tags, else <title>; a page that fails sends the bare text', async () => {
    const og = await sentTo(contact, { type: 'text', text: `look ${site}/article.`, linkPreview: true });
    const card = og.content.linkPreview as Card;
    expect(card).toMatchObject({
      matchedText: `${site}/article`,
      title: 'Spring & Summer',
      description: 'Up to 50% off',
    });
    expect((await sharp(Buffer.from(card.jpegThumbnail ?? '', 'base64')).metadata()).format).toBe('jpeg');

    const plain = await sentTo(contact, { type: 'text', text: `${site}/plain`, linkPreview: true });
    expect(plain.content.linkPreview).toEqual({ matchedText: `${site}/plain`, title: 'Plain page' });

    const gone = await sentTo(contact, {
      type: 'text',
      text: `${site}/gone?token=s3cr3t-path`,
      linkPreview: true,
    });
    expect(gone.content).toEqual({ text: `${site}/gone?token=s3cr3t-path` });
    const output = linked?.gw.output ?? '';
    expect(output).toContain('link preview not built');
    expect(output).not.toContain('s3cr3t-path');
  });

  it('refuses a card whose link is not in the text, and `true` without a link, with coded 400s', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ text: 'no link here', linkPreview: { url: 'https://example.com', title: 't' } }, 'linkPreview.url'],
      [
        { text: 'ftp://example.com', linkPreview: { url: 'ftp://example.com', title: 't' } },
        'linkPreview.url',
      ],
      [{ text: 'no link here', linkPreview: true }, 'linkPreview'],
      [{ text: 'https://x.example', linkPreview: { url: 'https://x.example' } }, 'title'],
    ];
    for (const [body, field] of cases) {
      const res = await send({ type: 'text', ...body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('ZG_ERR_VALIDATION');
      expect(res.body.error.message).toContain(field);
    }
  });
});

describe('view-once media', () => {
  it('arrives as view-once for an image, a video and an audio; other types refuse it', async () => {
    const sends: Array<Record<string, unknown>> = [
      { type: 'image', base64: picture.toString('base64'), caption: 'once' },
      { type: 'video', base64: mp4Bytes(4_000).toString('base64'), mimetype: 'video/mp4' },
      { type: 'audio', base64: oggOpusBytes(4_000).toString('base64'), voice: true },
    ];
    for (const body of sends) {
      const got = await sentTo(contact, { ...body, viewOnce: true });
      expect(got.type).toBe(body.type);
      expect(got.content.viewOnce, String(body.type)).toBe(true);
      expect(got.content.data).toBe(body.base64);
    }
    const plain = await sentTo(contact, { type: 'image', base64: picture.toString('base64') });
    expect(plain.content).not.toHaveProperty('viewOnce');
    const doc = await send({ type: 'document', base64: picture.toString('base64'), viewOnce: true });
    expect(doc.status).toBe(400);
    expect(doc.body.error.code).toBe('ZG_ERR_VALIDATION');
  });
});

describe('forwarding a stored message', () => {
  it('forwards a received image (its kept bytes) and a sent text, marked forwarded', async () => {
    const { phone: sender } = sim.api.createContact({ name: 'Sender' });
    const { id: inboundId } = await sim.api.contactSend(sender, {
      to: linked?.phone,
      type: 'image',
      data: picture.toString('base64'),
      caption: 'from a customer',
    });
    await eventually('the received image and its bytes', async () => {
      const media = await api.request('GET', `${base}/messages/${inboundId}/media`);
      return media.status === 200;
    });
    const image = await sentTo(contact, { type: 'forward', messageId: inboundId });
    expect(image.type).toBe('image');
    expect(image.content).toMatchObject({ caption: 'from a customer', forwarded: true, forwardingScore: 1 });
    expect(image.content.data).toBe(picture.toString('base64'));

    const first = await send({ type: 'text', text: 'pass this on' });
    const again = await sentTo(sender, { type: 'forward', messageId: first.body.id });
    expect(again.content).toEqual({ text: 'pass this on', forwarded: true, forwardingScore: 1 });
    const row = await api.get<{ id: string }>(`${base}/messages/${first.body.id}`);
    const copies = await api.get<{ items: Array<{ content: Record<string, unknown> }> }>(
      `${base}/messages?chat=${sender}&direction=outbound`,
    );
    expect(copies.body.items[0]?.content).toMatchObject({ forwardedFrom: row.body.id, forwardingScore: 1 });
  });

  it('is a coded 404 for an unknown message and a coded 422 for a revoked one or a reaction', async () => {
    const unknown = await send({ type: 'forward', messageId: '3EB0FFFFFFFFFFFFFFFFFF' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('ZG_ERR_UNKNOWN_MESSAGE');
    const sent = await send({ type: 'text', text: 'soon gone' });
    const revoked = await api.delete(`${base}/messages/${sent.body.id}?for=everyone`);
    expect(revoked.status).toBe(200);
    const refused = await send({ type: 'forward', messageId: sent.body.id });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'ZG_ERR_NOT_FORWARDABLE' });
    expect(refused.body.error.message).toContain('deleted');
    const other = await send({ type: 'text', text: 'react to me' });
    const reaction = await send({ type: 'reaction', messageId: other.body.id, emoji: '👍' });
    const noReaction = await send({ type: 'forward', messageId: reaction.body.id });
    expect(noReaction.status).toBe(422);
    expect(noReaction.body.error.code).toBe('ZG_ERR_NOT_FORWARDABLE');
  });
});

describe('mentions', () => {
  it('"all" in a group mentions every participant; a list mentions its own; "all" elsewhere is a 400', async () => {
    const members = ['Ann', 'Bob'].map((name) => sim.api.createContact({ name }).phone);
    const created = await api.post<Group>(`${base}/groups`, { subject: 'Everyone', participants: members });
    expect(created.status).toBe(201);
    const group = (await api.get<Group>(`${base}/groups/${encodeURIComponent(created.body.jid)}`)).body;
    const everyone = group.participants.map((p) => p.jid).sort();
    expect(everyone).toHaveLength(3);
    const [ann = '', bob = ''] = members;
    const all = await sentTo(ann, {
      to: group.jid,
      type: 'text',
      text: '@everyone meeting at 5',
      mentions: 'all',
    });
    expect((all.content.mentions as string[]).sort()).toEqual(everyone);
    const atBob = await send({ to: group.jid, type: 'text', text: 'hi @bob', mentions: [bob] });
    const got = await received(bob, atBob.body.waMessageId);
    expect(got.content.mentions).toEqual([`${bob}@s.whatsapp.net`]);

    const direct = await send({ type: 'text', text: 'hi all', mentions: 'all' });
    expect(direct.status).toBe(400);
    expect(direct.body.error.code).toBe('ZG_ERR_NOT_A_GROUP');
  });
});

describe('with link previews off (the default)', () => {
  it('`linkPreview: true` is a coded 400, a given card is accepted', async () => {
    const gw = await InProcessGateway.build();
    try {
      await gw.request({ method: 'POST', url: '/api/v1/instances', payload: { name: 'off', start: false } });
      const post = (payload: Record<string, unknown>) =>
        gw.request({ method: 'POST', url: '/api/v1/instances/off/messages', payload });
      const text = 'see https://example.com/a';
      const off = await post({ to: '15550001234', type: 'text', text, linkPreview: true });
      expect(off.statusCode).toBe(400);
      expect(off.json<Coded>().error.code).toBe('ZG_ERR_LINK_PREVIEWS_OFF');
      const given = await post({
        to: '15550001234',
        type: 'text',
        text,
        linkPreview: { url: 'https://example.com/a', title: 'A' },
      });
      // past every check: only the missing link is left
      expect(given.json<Coded>().error.code).toBe('ZG_ERR_NOT_LINKED');
    } finally {
      await gw.dispose();
    }
  });
});
