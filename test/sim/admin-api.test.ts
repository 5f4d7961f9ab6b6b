import { X509Certificate } from 'node:crypto';
import { Agent, get as httpGet } from 'node:http';
import { DisconnectReason, WAMessageStatus } from 'baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../sim/simulator.ts';
import { SimClient } from '../support/sim-client.ts';

type Json = Record<string, unknown>;
interface Reply<T> {
  status: number;
  body: T;
  contentType: string | null;
}

let sim: RunningSimulator;
const clients: SimClient[] = [];

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  for (const c of clients) c.end();
  await sim.close();
});

/** One admin API call over real HTTP; `raw` sends the body as is instead of as JSON. */
async function call<T = Json>(method: string, path: string, body?: unknown, raw?: string): Promise<Reply<T>> {
  const payload = raw ?? (body === undefined ? undefined : JSON.stringify(body));
  const res = await fetch(`${sim.info.adminUrl}${path}`, {
    method,
    ...(payload === undefined ? {} : { body: payload, headers: { 'content-type': 'application/json' } }),
  });
  return { status: res.status, body: (await res.json()) as T, contentType: res.headers.get('content-type') };
}

const post = <T = Json>(path: string, body: unknown = {}) => call<T>('POST', path, body);
const get = <T = Json>(path: string) => call<T>('GET', path);

/** GET over one kept-alive connection of `agent`: the status, and whether the connection was reused. */
function getVia(agent: Agent, path: string): Promise<{ status: number; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = httpGet(`${sim.info.adminUrl}${path}`, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
    });
    req.on('error', reject);
  });
}

/** Retries `check` until it yields a value (HTTP state has no events to wait on). */
async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The highest status a client saw for its own message. Baileys buffers events for ~100 ms after a send,
 * and a receipt landing in that window is merged into the message's own upsert, not sent as an update.
 */
const statusOf = (client: SimClient, id: string): number =>
  Math.max(
    0,
    ...client.updates.filter((u) => u.id === id).map((u) => u.status ?? 0),
    ...client.received.filter((m) => m.key.fromMe && m.key.id === id).map((m) => m.status ?? 0),
  );
const waitForStatus = (client: SimClient, id: string, status: number) =>
  client.waitFor(`status ${status} of ${id}`, () => statusOf(client, id) >= status);

const expectError = (reply: Reply<Json>, status: number, context: string) => {
  expect(reply.status, `${context}: ${JSON.stringify(reply.body)}`).toBe(status);
  expect(reply.body.error, context).toEqual(expect.any(String));
  expect(reply.contentType).toBe('application/json');
};

describe('admin API: info, accounts and contacts', () => {
  it('GET /info gives the socket URL, media host, root key and TLS certificate', async () => {
    const { status, body } = await get<Record<string, string>>('/info');
    expect(status).toBe(200);
    expect(body.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws\/chat$/);
    expect(body.adminUrl).toBe(sim.info.adminUrl);
    expect(body.mediaHost).toMatch(/^127\.0\.0\.1:\d+$/);
    const root = Buffer.from(body.rootPublicKey ?? '', 'base64');
    expect(root).toHaveLength(32);
    expect(root.toString('base64')).toBe(body.rootPublicKey);
    expect(body.tlsCert).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n?$/);
    expect(new X509Certificate(body.tlsCert ?? '').checkIP('127.0.0.1')).toBe('127.0.0.1');
  });

  it('keeps an idle connection open past the 5 s of Node, so a client that paused is not cut off', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect(await getVia(agent, '/info')).toEqual({ status: 200, reused: false });
      await new Promise((r) => setTimeout(r, 6_000));
      expect(await getVia(agent, '/info')).toEqual({ status: 200, reused: true });
    } finally {
      agent.destroy();
    }
  }, 15_000);

  it('POST /accounts creates an account, with a given phone or a free one', async () => {
    const free = await post('/accounts', { name: 'Anyone' });
    expect(free.status).toBe(201);
    expect(free.body).toEqual({
      phone: expect.stringMatching(/^\d{7,15}$/),
      lid: expect.stringMatching(/^\d+@lid$/),
    });
    const given = await post('/accounts', { phone: '15551230001' });
    expect(given.status).toBe(201);
    expect(given.body.phone).toBe('15551230001');
    expect(given.body.lid).not.toBe(free.body.lid);
    const none = await call('POST', '/accounts');
    expect(none.status).toBe(201);
  });

  it('refuses a taken phone with 409 and a malformed one with 400', async () => {
    await post('/accounts', { phone: '15551230002' });
    expectError(await post('/accounts', { phone: '15551230002' }), 409, 'taken by an account');
    expectError(await post('/contacts', { phone: '15551230002' }), 409, 'a contact on an account phone');
    for (const phone of ['+12', 'abc', '12', '+15551230003', '015551230003', 15551230003]) {
      expectError(await post('/accounts', { phone }), 400, `phone ${JSON.stringify(phone)}`);
    }
    expectError(await post('/accounts', { name: 42 }), 400, 'a name that is not a string');
  });

  it('POST /contacts creates a contact, with a given phone or a free one', async () => {
    const free = await post('/contacts', { name: 'Bob' });
    expect(free.status).toBe(201);
    expect(free.body).toEqual({
      phone: expect.stringMatching(/^\d{7,15}$/),
      lid: expect.stringMatching(/^\d+@lid$/),
    });
    const given = await post('/contacts', { phone: '15551230004' });
    expect(given.status).toBe(201);
    expect(given.body.phone).toBe('15551230004');
    expectError(await post('/contacts', { phone: '15551230004' }), 409, 'taken by a contact');
    expectError(await post('/accounts', { phone: '15551230004' }), 409, 'an account on a contact phone');
    expectError(await post('/contacts', { phone: 'abc' }), 400, 'bad contact phone');
  });
});

describe('admin API: errors', () => {
  let account: string;
  let contact: string;
  beforeAll(async () => {
    account = (await post<{ phone: string }>('/accounts')).body.phone;
    contact = (await post<{ phone: string }>('/contacts')).body.phone;
  });

  it('answers 404 for an unknown phone on every account and contact route', async () => {
    const nobody = '19998887777';
    const cases: Array<[string, string, unknown]> = [
      ['POST', `/accounts/${nobody}/link-qr`, { qr: 'https://wa.me/settings/linked_devices#a,b,c,d' }],
      ['POST', `/accounts/${nobody}/link-code`, { code: 'ABCD1234' }],
      ['GET', `/accounts/${nobody}/devices`, undefined],
      ['POST', `/accounts/${nobody}/logout`, {}],
      ['POST', `/contacts/${nobody}/messages`, { to: account, type: 'text', text: 'hi' }],
      ['GET', `/contacts/${nobody}/messages`, undefined],
      ['POST', `/contacts/${nobody}/receipts`, { from: account, ids: ['X'], type: 'read' }],
      ['POST', `/contacts/${contact}/messages`, { to: nobody, type: 'text', text: 'hi' }],
      ['POST', `/contacts/${contact}/receipts`, { from: nobody, ids: ['X'], type: 'read' }],
      ['POST', '/faults', { phone: nobody, kind: 'drop' }],
      // A contact is not an account, nor the other way round.
      ['GET', `/accounts/${contact}/devices`, undefined],
      ['GET', `/contacts/${account}/messages`, undefined],
    ];
    for (const [method, path, body] of cases)
      expectError(await call(method, path, body), 404, `${method} ${path}`);
  });

  it('answers 400 to a body that is not a JSON object', async () => {
    expectError(await call('POST', '/accounts', undefined, 'not json'), 400, 'not JSON');
    expectError(await call('POST', '/accounts', undefined, '{"phone":'), 400, 'truncated JSON');
    expectError(await call('POST', '/accounts', undefined, '[1,2]'), 400, 'a JSON array');
    expectError(await call('POST', '/contacts', undefined, '"text"'), 400, 'a JSON string');
    expectError(await call('POST', '/faults', undefined, 'null'), 400, 'JSON null');
  });

  it('answers 400 to a missing or foreign QR string and a missing or malformed pairing code', async () => {
    const qr = `/accounts/${account}/link-qr`;
    expectError(await post(qr, {}), 400, 'no qr');
    expectError(await post(qr, { qr: '' }), 400, 'empty qr');
    expectError(await post(qr, { qr: 42 }), 400, 'numeric qr');
    expectError(await post(qr, { qr: 'hello world' }), 400, 'not a WhatsApp QR');
    expectError(await post(qr, { qr: 'https://example.com/#only,two' }), 400, 'a QR with two fields');
    const code = `/accounts/${account}/link-code`;
    expectError(await post(code, {}), 400, 'no code');
    expectError(await post(code, { code: 12345678 }), 400, 'numeric code');
    for (const bad of ['abc', 'ABCD12345', 'ABCD-12?4']) {
      expectError(await post(code, { code: bad }), 400, `code ${bad}`);
    }
  });

  it('answers 400 to a contact message of an unknown type or without a recipient', async () => {
    const path = `/contacts/${contact}/messages`;
    expectError(await post(path, { to: account, type: 'hologram', text: 'x' }), 400, 'unknown type');
    expectError(await post(path, { to: account, text: 'x' }), 400, 'no type');
    expectError(await post(path, { type: 'text', text: 'x' }), 400, 'no to');
    expectError(await post(path, { to: 42, type: 'text', text: 'x' }), 400, 'numeric to');
    expectError(await post(path, { to: account, type: 'text' }), 400, 'text without text');
    expectError(
      await post(path, { to: account, type: 'text', text: 'x', colour: 'red' }),
      400,
      'unknown field',
    );
  });

  it('answers 400 to receipts with bad ids or type, and to unknown faults', async () => {
    const path = `/contacts/${contact}/receipts`;
    for (const ids of [undefined, [], 'ABC', [1], [''], ['A', null]]) {
      expectError(await post(path, { from: account, ids, type: 'read' }), 400, `ids ${JSON.stringify(ids)}`);
    }
    expectError(await post(path, { from: account, ids: ['A'], type: 'seen' }), 400, 'type seen');
    expectError(await post(path, { ids: ['A'], type: 'read' }), 400, 'no from');
    expectError(await post('/faults', { phone: account, kind: 'explode' }), 400, 'unknown kind');
    expectError(await post('/faults', { phone: account }), 400, 'no kind');
    expectError(await post('/faults', { kind: 'drop' }), 400, 'no phone');
    expectError(await post('/faults', { phone: account, kind: 'stream-error', code: '5' }), 400, 'code');
    expectError(await post('/faults', { phone: account, kind: 'drop', device: 0 }), 400, 'device 0');
    expectError(await post(`/accounts/${account}/logout`, { device: 7 }), 400, 'no such device');
    expectError(await post(`/accounts/${account}/logout`, { device: 1.5 }), 400, 'device 1.5');
  });

  it('answers 404 to unknown routes and 405 to a known route with the wrong method', async () => {
    for (const path of [
      '/',
      '/nope',
      '/info/more',
      `/accounts/${account}/unknown`,
      '/accounts/abc/devices',
    ]) {
      expectError(await get(path), 404, `GET ${path}`);
    }
    expectError(await call('POST', '/accounts/+15551230001/logout', {}), 404, 'a phone with a plus');
    const wrong: Array<[string, string]> = [
      ['GET', '/accounts'],
      ['DELETE', '/info'],
      ['POST', '/info'],
      ['PUT', '/faults'],
      ['GET', '/contacts'],
      ['POST', `/accounts/${account}/devices`],
      ['DELETE', `/contacts/${contact}/messages`],
      ['GET', `/accounts/${account}/link-qr`],
    ];
    for (const [method, path] of wrong) expectError(await call(method, path), 405, `${method} ${path}`);
  });
});

describe('admin API: a whole session driven over HTTP', () => {
  it('links, messages both ways, reads, drops and logs out a real Baileys client', async () => {
    const { body: account } = await post<{ phone: string }>('/accounts', { name: 'HTTP Phone' });
    const client = new SimClient(sim.info, { name: 'Admin Flow', autoReconnect: true });
    clients.push(client);
    client.connect();
    const link = await post(`/accounts/${account.phone}/link-qr`, { qr: await client.waitForQr() });
    expect(link.status).toBe(200);
    expect(link.body).toEqual({
      phone: account.phone,
      device: 1,
      jid: `${account.phone}:1@s.whatsapp.net`,
      lid: expect.stringMatching(/^\d+:1@lid$/),
    });
    await client.waitForOpen(1);
    expect(client.phone).toBe(account.phone);
    const devices = await eventually('the device online', async () => {
      const { body } = await get<Array<Json>>(`/accounts/${account.phone}/devices`);
      return body[0]?.online ? body : undefined;
    });
    expect(devices).toEqual([
      {
        id: 1,
        jid: `${account.phone}:1@s.whatsapp.net`,
        lid: link.body.lid,
        pushName: expect.any(String),
        online: true,
        linkedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    ]);

    const { body: contact } = await post<{ phone: string }>('/contacts', { name: 'Bob' });
    const sentByContact = await post<{ id: string }>(`/contacts/${contact.phone}/messages`, {
      to: account.phone,
      type: 'text',
      text: 'hello over HTTP',
    });
    expect(sentByContact.status).toBe(201);
    const got = await client.waitForMessage((m) => m.key.id === sentByContact.body.id);
    expect(got.message?.conversation).toBe('hello over HTTP');
    expect(got.pushName).toBe('Bob');

    const contactJid = `${contact.phone}@s.whatsapp.net`;
    const sent = await client.sock.sendMessage(contactJid, { text: 'answer over the socket' });
    const id = sent?.key.id ?? '';
    const inbox = await eventually('the contact to decrypt the answer', async () => {
      const { body } = await get<Array<Json>>(`/contacts/${contact.phone}/messages`);
      return body.find((m) => m.id === id);
    });
    expect(inbox).toMatchObject({
      from: account.phone,
      type: 'text',
      content: { text: 'answer over the socket' },
    });

    // A contact's phone reads a message only after it has confirmed its delivery.
    await waitForStatus(client, id, WAMessageStatus.DELIVERY_ACK);
    const read = await post(`/contacts/${contact.phone}/receipts`, {
      from: account.phone,
      ids: [id],
      type: 'read',
    });
    expect(read).toMatchObject({ status: 200, body: { ok: true } });
    await waitForStatus(client, id, WAMessageStatus.READ);

    const opens = client.opens;
    const drop = await post('/faults', { phone: account.phone, kind: 'drop' });
    expect(drop).toMatchObject({ status: 200, body: { affected: 1 } });
    await client.waitForOpen(opens + 1);
    const again = await post<{ id: string }>(`/contacts/${contact.phone}/messages`, {
      to: account.phone,
      type: 'text',
      text: 'still there?',
    });
    await client.waitForMessage((m) => m.key.id === again.body.id);

    const logout = await post(`/accounts/${account.phone}/logout`);
    expect(logout).toMatchObject({ status: 200, body: { removed: [1] } });
    await client.waitForClose(DisconnectReason.loggedOut);
    expect((await get(`/accounts/${account.phone}/devices`)).body).toEqual([]);
  });
});
