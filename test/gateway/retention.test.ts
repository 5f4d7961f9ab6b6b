import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/http-client.ts';
import { type LinkedGateway, startLinkedGateway } from '../support/linked-gateway.ts';

type Row = { id: string; waMessageId: string; status: string };
type Logs = { items: Array<{ id: number }> };
const DAY_MS = 86_400_000;

describe('the retention job inside the gateway', () => {
  let linked: LinkedGateway;
  let contact: string;
  const path = () => `/api/v1/instances/${linked.instance.id}`;
  const dbFile = () => linked.gw.databaseUrl.replace('sqlite://', '');
  const send = async (text: string) => {
    const res = await linked.api.request<Row>('POST', `${path()}/messages?wait=sent`, {
      to: contact,
      type: 'text',
      text,
    });
    expect(res.status).toBe(201);
    return res.body;
  };
  const receive = async (data: Buffer) => {
    const { id } = await linked.sim.api.contactSend(contact, {
      to: linked.phone,
      type: 'image',
      data: data.toString('base64'),
    });
    return eventually('the inbound image with its media', async () => {
      const res = await linked.api.get(`${path()}/messages/${id}/media`);
      return res.status === 200 ? id : undefined;
    });
  };

  beforeAll(async () => {
    linked = await startLinkedGateway({ name: 'keeper', env: { MESSAGES_RETENTION_DAYS: '1' } });
    contact = linked.sim.api.createContact({ name: 'Archive' }).phone;
  });
  afterAll(async () => {
    await linked?.close();
  });

  it('removes messages, their media and lifecycle events past MESSAGES_RETENTION_DAYS, keeps the rest', async () => {
    const oldOut = await send('two days ago');
    const oldIn = await receive(Buffer.from('old picture bytes'));
    const newOut = await send('just now');
    const newIn = await receive(Buffer.from('new picture bytes'));
    const events = (await linked.api.get<Logs>(`${path()}/logs?limit=500`)).body.items;
    const oldEvent = events.at(-1)?.id ?? 0;
    const newEvent = events[0]?.id ?? 0;
    expect(newEvent).toBeGreaterThan(oldEvent);

    // the gateway is down while the clock of some rows is turned back two days
    expect(await linked.gw.stop('SIGTERM')).toBe(0);
    const db = new Database(dbFile());
    try {
      const back = 2 * DAY_MS;
      const age = db.prepare('UPDATE messages SET created_at = created_at - ? WHERE wa_message_id = ?');
      for (const waId of [oldOut.waMessageId, oldIn]) expect(age.run(back, waId).changes).toBe(1);
      const ageEvent = db.prepare('UPDATE instance_events SET created_at = created_at - ? WHERE id = ?');
      expect(ageEvent.run(back, oldEvent).changes).toBe(1);
    } finally {
      db.close();
    }
    await linked.gw.start();
    const api = linked.gw.api;
    await eventually(
      'the old rows to be swept',
      async () =>
        (await api.get(`${path()}/messages/${oldOut.id}`)).status === 404 &&
        (await api.get(`${path()}/messages/${oldIn}`)).status === 404,
      60_000,
    );
    expect((await api.get(`${path()}/messages/${newOut.id}`)).status).toBe(200);
    expect((await api.get(`${path()}/messages/${newIn}/media`)).status).toBe(200);
    const ids = (await api.get<Logs>(`${path()}/logs?limit=500`)).body.items.map((e) => e.id);
    expect(ids).not.toContain(oldEvent);
    expect(ids).toContain(newEvent);
    const check = new Database(dbFile(), { readonly: true });
    try {
      const media = check.prepare('SELECT COUNT(*) AS n FROM message_media').get() as { n: number };
      expect(media.n).toBe(1);
    } finally {
      check.close();
    }
  });
});
