import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../sim/simulator.ts';
import { type ApiClient, eventually } from '../support/http-client.ts';
import { type LinkedGateway, startLinkedGateway } from '../support/linked-gateway.ts';
import { pngBytes } from '../support/media-fixtures.ts';

type Created = {
  id: string;
  status: string;
  total: number;
  template: string;
  dedupe: boolean;
  duplicates: Array<{ to: string; count: number }>;
};
type Campaign = { id: string; status: string; counts: Record<string, number> };
type Failure = { error: { code: string; message: string; details?: unknown } };
type Row = { id: string; type: string; campaignId: string | null; content: Record<string, unknown> };
const SENT = ['sent', 'delivered', 'read', 'played'];

let linked: LinkedGateway | undefined;
let sim: RunningSimulator;
let api: ApiClient;
let media: Server;
let mediaUrl: string;
/** Requests the media server answered, by path: the campaign must fetch its image once. */
const fetches = new Map<string, number>();
const png = pngBytes(30_000);

const createCampaign = <T = Created>(body: Record<string, unknown>) =>
  api.post<T>('/api/v1/instances/promo/campaigns', body);
const inbox = (phone: string) => sim.api.contactInbox(phone);
/** Waits until every message of the campaign is sent (or later), then gives its counts. */
const finished = (id: string, total: number) =>
  eventually(`campaign ${id} to send all ${total}`, async () => {
    const c = (await api.get<Campaign>(`/api/v1/campaigns/${id}`)).body;
    const sent = SENT.reduce((n, s) => n + (c.counts[s] ?? 0), 0);
    return sent === total && c.status === 'completed' ? c : undefined;
  });

beforeAll(async () => {
  media = createServer((req, res) => {
    fetches.set(req.url ?? '', (fetches.get(req.url ?? '') ?? 0) + 1);
    if (req.url === '/promo.png') res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    else if (req.url === '/notes.txt') res.writeHead(200, { 'content-type': 'text/plain' }).end('plain text');
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => media.listen(0, '127.0.0.1', r));
  mediaUrl = `http://127.0.0.1:${(media.address() as AddressInfo).port}`;
  linked = await startLinkedGateway({ name: 'promo', env: { ALLOW_PRIVATE_URLS: '1' } });
  ({ sim, api } = linked);
});
afterAll(async () => {
  await linked?.close();
  media?.close();
});

describe('campaigns of every message type', () => {
  it('an image campaign reaches every recipient as an image with its own caption, fetched once', async () => {
    const people = ['Ana', 'Bruno', 'Carla'].map((name) => ({
      name,
      phone: sim.api.createContact({}).phone,
    }));
    const created = await createCampaign({
      name: 'shoes',
      message: { type: 'image', url: `${mediaUrl}/promo.png`, caption: 'Hi {{name}}, new in: size 42' },
      recipients: people.map((p) => ({ to: p.phone, vars: { name: p.name } })),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ total: 3, dedupe: true, duplicates: [] });
    expect(created.body.template).toBe('Hi {{name}}, new in: size 42');
    for (const p of people) {
      const got = await eventually(`${p.name}'s image`, () => inbox(p.phone).find((m) => m.type === 'image'));
      expect(got.content.caption).toBe(`Hi ${p.name}, new in: size 42`);
      expect(Buffer.from(String(got.content.data), 'base64').equals(png)).toBe(true);
    }
    await finished(created.body.id, 3);
    expect(fetches.get('/promo.png')).toBe(1);
    // each row serves the one stored copy as its media
    const rows = await api.get<{ items: Row[] }>(`/api/v1/instances/promo/messages?chat=${people[1]?.phone}`);
    const row = rows.body.items.find((m) => m.campaignId === created.body.id);
    expect(row?.type).toBe('image');
    const bytes = await api.get<Buffer>(`/api/v1/instances/promo/messages/${row?.id}/media`);
    expect(bytes.status).toBe(200);
    expect(Buffer.from(bytes.body).equals(png)).toBe(true);
  });

  it('sends locations, documents and polls to a list too', async () => {
    const to = [sim.api.createContact({}).phone, sim.api.createContact({}).phone];
    const recipients = to.map((phone) => ({ to: phone }));
    const messages = [
      { type: 'location', latitude: -23.5613, longitude: -46.6565, name: 'Loja Paulista' },
      {
        type: 'document',
        base64: png.toString('base64'),
        mimetype: 'application/pdf',
        fileName: 'catalog.pdf',
        caption: 'our catalog',
      },
      { type: 'poll', name: 'Delivery slot?', options: ['Morning', 'Afternoon'] },
    ];
    for (const message of messages) {
      const created = await createCampaign({ message, recipients });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      await finished(created.body.id, 2);
    }
    for (const phone of to) {
      const got = inbox(phone);
      expect(got.find((m) => m.type === 'location')?.content).toMatchObject({ latitude: -23.5613 });
      const doc = got.find((m) => m.type === 'document');
      expect(doc?.content).toMatchObject({ fileName: 'catalog.pdf', caption: 'our catalog' });
      expect(Buffer.from(String(doc?.content.data), 'base64').equals(png)).toBe(true);
      expect(got.find((m) => m.type === 'poll')?.content).toMatchObject({ name: 'Delivery slot?' });
    }
  });

  it('sends once to a recipient given twice and lists it; dedupe:false sends every line', async () => {
    const [a, b, c] = [0, 1, 2].map(() => sim.api.createContact({}).phone) as [string, string, string];
    const once = await createCampaign({
      message: { type: 'text', text: 'Once for {{name}}' },
      recipients: [
        { to: a, vars: { name: 'first' } },
        { to: b, vars: { name: 'b' } },
        { to: `+${a}`, vars: { name: 'second' } },
        { to: a, vars: { name: 'third' } },
      ],
    });
    expect(once.status, JSON.stringify(once.body)).toBe(201);
    expect(once.body).toMatchObject({ total: 2, dedupe: true, duplicates: [{ to: a, count: 3 }] });
    await finished(once.body.id, 2);
    const textsOf = (phone: string, prefix: string) =>
      inbox(phone)
        .map((m) => String(m.content.text))
        .filter((t) => t.startsWith(prefix));
    expect(textsOf(a, 'Once for')).toEqual(['Once for first']);
    expect(textsOf(b, 'Once for')).toEqual(['Once for b']);

    const every = await createCampaign({
      template: 'Each line {{n}}',
      dedupe: false,
      recipients: [
        { to: c, vars: { n: 1 } },
        { to: c, vars: { n: 2 } },
      ],
    });
    expect(every.status, JSON.stringify(every.body)).toBe(201);
    expect(every.body).toMatchObject({ total: 2, dedupe: false, duplicates: [{ to: c, count: 2 }] });
    await finished(every.body.id, 2);
    expect(textsOf(c, 'Each line').sort()).toEqual(['Each line 1', 'Each line 2']);
  });

  it('refuses a bad message with a coded 400 naming the field, before anything is queued', async () => {
    const recipients = [{ to: sim.api.createContact({}).phone }];
    const fieldOf = (res: { body: Failure }) => (res.body.error.details as { field?: string }).field;
    const pathsOf = (res: { body: Failure }) =>
      (res.body.error.details as Array<{ path?: string }>).map((d) => d.path);

    const noMedia = await createCampaign<Failure>({ message: { type: 'image', caption: 'x' }, recipients });
    expect(noMedia.status).toBe(400);
    expect(noMedia.body.error.code).toBe('ZG_ERR_VALIDATION');
    expect(fieldOf(noMedia)).toBe('message.media');

    const offMap = await createCampaign<Failure>({
      message: { type: 'location', latitude: 200, longitude: 0 },
      recipients,
    });
    expect(offMap.status).toBe(400);
    expect(offMap.body.error.code).toBe('ZG_ERR_VALIDATION');
    expect(pathsOf(offMap)).toContain('/message/latitude');

    const reaction = await createCampaign<Failure>({
      message: { type: 'reaction', messageId: '3EB0C431C26A1916E07A', emoji: '👍' },
      recipients,
    });
    expect(reaction.status).toBe(400);
    expect(reaction.body.error.message).toContain('"reaction" is not one of the accepted values');

    const notAnImage = await createCampaign<Failure>({
      message: { type: 'image', url: `${mediaUrl}/notes.txt` },
      recipients,
    });
    expect(notAnImage.status).toBe(400);
    expect(notAnImage.body.error.code).toBe('ZG_ERR_INVALID_MEDIA');
    expect(fieldOf(notAnImage)).toBe('message.media');

    const gone = await createCampaign<Failure>({
      message: { type: 'image', url: `${mediaUrl}/gone.png` },
      recipients,
    });
    expect(gone.status).toBe(422);
    expect(gone.body.error.code).toBe('ZG_ERR_MEDIA_UNREACHABLE');
    expect(fieldOf(gone)).toBe('message.url');

    const both = await createCampaign<Failure>({
      template: 'hi',
      message: { type: 'text', text: 'hi' },
      recipients,
    });
    expect(both.status).toBe(400);
    expect(fieldOf(both)).toBe('message');
    const neither = await createCampaign<Failure>({ recipients });
    expect(neither.status).toBe(400);
    expect(fieldOf(neither)).toBe('message');

    // recipients are checked before the media is fetched: a bad list costs no download
    const missing = await createCampaign<Failure>({
      message: { type: 'image', url: `${mediaUrl}/never.png`, caption: 'for {{name}}' },
      recipients,
    });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details).toMatchObject({ missing: [{ index: 0, missing: ['name'] }] });
    expect(fetches.get('/never.png')).toBeUndefined();

    // none of them queued a message for the recipient, nor sent one
    const queued = await api.get<{ items: Row[] }>(
      `/api/v1/instances/promo/messages?chat=${recipients[0]?.to}`,
    );
    expect(queued.body.items).toEqual([]);
    expect(inbox(recipients[0]?.to ?? '')).toEqual([]);
  });
});
