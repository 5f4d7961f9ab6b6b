import postgres from 'pg';
import { io as connectSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../sim/simulator.ts';
import { type EventReceiver, startEventReceiver } from '../support/event-receiver.ts';
import {
  GatewayProcess,
  type InstanceJson,
  linkByQr,
  PACING_OFF,
  waitForStatus,
} from '../support/gateway-harness.ts';
import { type ApiClient, eventually, SseReader } from '../support/http-client.ts';
import { startTestPostgres, type TestPostgres } from '../support/postgres.ts';

/** Fast leases, so that a takeover is seconds, not the default 15. */
/**
 * Messages of the crash test: 600 by default; the 2,000 with FLEET_CRASH_MESSAGES=2000 (a
 * few minutes more on two cores, so not on every run).
 */
const CRASH_MESSAGES = Number(process.env.FLEET_CRASH_MESSAGES ?? 600);

const FLEET_ENV = {
  ...PACING_OFF,
  LEASE_RENEW_MS: '500',
  LEASE_TTL_MS: '3000',
  ALLOW_PRIVATE_URLS: 'true',
  WEBHOOK_TIMEOUT_MS: '2000',
};

let sim: RunningSimulator;
let pg: TestPostgres;
const procs: GatewayProcess[] = [];

function node(role: 'api' | 'worker', nodeId: string): GatewayProcess {
  const proc = new GatewayProcess({
    sim: sim.info,
    databaseUrl: pg.url,
    role,
    env: { ...FLEET_ENV, NODE_ID: nodeId },
  });
  procs.push(proc);
  return proc;
}

let receiver: EventReceiver;
let api1: GatewayProcess;
let api2: GatewayProcess;
const workers = new Map<string, GatewayProcess>();
const names = ['f-a', 'f-b', 'f-c', 'f-d'];

beforeAll(async () => {
  receiver = await startEventReceiver();
  sim = await startSimulator();
  pg = await startTestPostgres();
  api1 = await node('api', 'api-1').start();
  [api2] = await Promise.all([node('api', 'api-2').start()]);
  for (const id of ['w1', 'w2']) workers.set(id, await node('worker', id).start());
});
afterAll(async () => {
  for (const p of procs) await p.dispose();
  await pg?.stop();
  await sim?.close();
  await receiver?.close();
});

/** Where each of an instance's events stands in the order they were stored (published). */
async function eventOrder(instanceId: string): Promise<Map<string, number>> {
  const client = new postgres.Client({ connectionString: pg.url });
  await client.connect();
  try {
    const rows = await client.query<{ id: string }>(
      'SELECT id FROM events WHERE instance_id = $1 ORDER BY seq',
      [instanceId],
    );
    return new Map(rows.rows.map((r, i) => [r.id, i]));
  } finally {
    await client.end();
  }
}

/** The four instances the suite spreads and moves around (a test's own extra ones left out). */
const instances = (api: ApiClient) =>
  api
    .get<{ items: InstanceJson[] }>('/api/v1/instances')
    .then((r) => r.body.items.filter((i) => names.includes(i.name)));
const ownersOf = async (api: ApiClient) =>
  new Map((await instances(api)).map((i) => [i.name, i.owner as string | null]));

describe('fleet mode: API nodes and workers on one PostgreSQL', () => {
  it('spreads instances created through either API node over the workers, and links them', async () => {
    for (const [i, name] of names.entries()) {
      const api = i % 2 ? api2.api : api1.api;
      const { phone } = sim.api.createAccount({ name });
      const created = await api.post<InstanceJson>('/api/v1/instances', { name });
      expect(created.status).toBe(201);
      await linkByQr(api, sim.info.adminUrl, created.body.id, phone);
    }
    const owners = await eventually('every instance owned, two per worker', async () => {
      const o = await ownersOf(api1.api);
      const counts = [...o.values()].reduce(
        (m, w) => m.set(w, (m.get(w) ?? 0) + 1),
        new Map<string | null, number>(),
      );
      return counts.get('w1') === 2 && counts.get('w2') === 2 ? o : undefined;
    });
    expect(owners.size).toBe(4);
    type Nodes = { items: Array<{ id: string; role: string; instances: number }> };
    const nodes = await api2.api.get<Nodes>('/api/v1/nodes');
    expect(nodes.body.items.map((n) => [n.id, n.role, n.instances]).sort()).toEqual([
      ['api-1', 'api', 0],
      ['api-2', 'api', 0],
      ['w1', 'worker', 2],
      ['w2', 'worker', 2],
    ]);
  });

  it('sends through either API node, and streams every worker’s events on both', async () => {
    const sse = new SseReader(`${api2.api.baseUrl}/api/v1/events?events=message.status`, api2.api.key ?? '');
    const socket = connectSocket(api1.api.baseUrl, {
      path: '/socket.io',
      auth: { apiKey: api1.api.key },
      transports: ['websocket'],
    });
    const overSocket: Array<{
      id: string;
      event: string;
      instance: { name: string };
      data: { status?: string };
    }> = [];
    socket.on('event', (e) => overSocket.push(e));
    await eventually('the socket to connect', () => socket.connected);
    const contact = sim.api.createContact({}).phone;
    for (const [i, name] of names.entries()) {
      const api = i % 2 ? api1.api : api2.api;
      const res = await api.post(`/api/v1/instances/${name}/messages`, {
        to: contact,
        type: 'text',
        text: `hi from ${name}`,
      });
      expect(res.status).toBe(202);
    }
    await eventually('all four texts at the contact', () => sim.api.contactInbox(contact).length === 4);
    const seen = await eventually('sent statuses of all four on api-2', () => {
      const from = new Set(
        sse.events
          .filter((e) => (e.data.data as { status: string }).status === 'sent')
          .map((e) => (e.data.instance as { name: string }).name),
      );
      return from.size === 4 ? from : undefined;
    });
    expect([...seen].sort()).toEqual(names);
    const onSocket = await eventually('the same statuses on socket.io at api-1', () => {
      const from = new Set(
        overSocket
          .filter((e) => e.event === 'message.status' && e.data.status === 'sent')
          .map((e) => e.instance.name),
      );
      return from.size === 4 ? from : undefined;
    });
    expect([...onSocket].sort()).toEqual(names);
    socket.close();
    // a client that drops off api-2 and resumes on api-1 misses nothing
    const firstId = sse.events[0]?.id ?? '';
    sse.close();
    const resumed = new SseReader(
      `${api1.api.baseUrl}/api/v1/events?events=message.status`,
      api1.api.key ?? '',
      firstId,
    );
    const after = sse.events.slice(1).map((e) => e.id);
    await eventually('the events after the first, replayed on api-1', () =>
      after.every((id) => resumed.events.some((e) => e.id === id)),
    );
    resumed.close();
  });

  it('carries out a pairing code and a logout asked of an API node on the owning worker', async () => {
    const created = await api1.api.post<InstanceJson>('/api/v1/instances', { name: 'f-pair' });
    const { phone } = sim.api.createAccount({ name: 'Pair' });
    const code = await api2.api.post<{ pairingCode: string }>('/api/v1/instances/f-pair/pairing-code', {
      phoneNumber: phone,
    });
    expect(code.status).toBe(200);
    expect(code.body.pairingCode).toMatch(/^[0-9A-Z]{8}$/);
    const entered = await fetch(`${sim.info.adminUrl}/accounts/${phone}/link-code`, {
      method: 'POST',
      body: JSON.stringify({ code: code.body.pairingCode }),
    });
    expect(entered.ok).toBe(true);
    await waitForStatus(api1.api, created.body.id, 'connected');
    const out = await api2.api.post<InstanceJson>('/api/v1/instances/f-pair/logout');
    expect(out.status).toBe(200);
    expect(out.body.status).toBe('logged_out');
    // no worker keeps a logged-out instance (none renews its lease), and a start makes it one to take
    const ownerOf = async () => (await api1.api.get<InstanceJson>('/api/v1/instances/f-pair')).body.owner;
    await eventually('its lease to lapse', async () => (await ownerOf()) === null);
    expect((await api2.api.post<InstanceJson>('/api/v1/instances/f-pair/start')).status).toBe(200);
    await waitForStatus(api1.api, created.body.id, 'qr');
    expect(['w1', 'w2']).toContain(await ownerOf());
    expect((await api1.api.delete('/api/v1/instances/f-pair')).status).toBe(204);
  });

  it(`after a SIGKILL of a worker mid-campaign of ${CRASH_MESSAGES}, the other takes over; every message arrives once, webhooks in order`, {
    timeout: 420_000,
  }, async () => {
    const hook = await api1.api.post('/api/v1/webhooks', { url: receiver.url, events: ['message.status'] });
    expect(hook.status).toBe(201);
    const owners = await ownersOf(api1.api);
    const victim = [...owners.entries()].filter(([, w]) => w === 'w1').map(([name]) => name);
    expect(victim).toHaveLength(2);
    const total = CRASH_MESSAGES;
    const contacts = Array.from({ length: total }, (_, n) => ({ phone: sim.api.createContact({}).phone, n }));
    // one campaign per instance, through each API node, both starting once both are in
    const startAt = new Date(Date.now() + 5_000).toISOString();
    for (const [i, name] of victim.entries()) {
      const mine = contacts.slice((i * total) / 2, ((i + 1) * total) / 2);
      const res = await (i ? api2 : api1).api.post<{ total: number }>(`/api/v1/instances/${name}/campaigns`, {
        template: 'Order {{n}} ready',
        recipients: mine.map((c) => ({ to: c.phone, vars: { n: c.n } })),
        startAt,
      });
      expect(res.body.total).toBe(total / 2);
    }
    const arrived = () => contacts.filter((c) => sim.api.contactInbox(c.phone).length).length;
    await eventually('a tenth sent', () => arrived() >= total / 10, 120_000);
    await workers.get('w1')?.stop('SIGKILL');
    expect(arrived()).toBeLessThan(total);
    await eventually(
      'both instances connected on w2',
      async () => {
        const all = await instances(api1.api);
        return victim.every((name) =>
          all.some((i) => i.name === name && i.status === 'connected' && i.owner === 'w2'),
        );
      },
      60_000,
    );
    await eventually(`all ${total} at their contacts`, () => arrived() === total, 300_000);
    const received = contacts.flatMap((c) =>
      sim.api.contactInbox(c.phone).map((m) => ({ id: m.id, text: m.content.text, c })),
    );
    // by WhatsApp id, every message once; the one each sender had in flight at the kill may have
    // been delivered a second time with the same id (a recipient's phone drops it)
    expect(new Set(received.map((r) => r.id)).size).toBe(total);
    expect(received.length - total).toBeLessThanOrEqual(victim.length);
    for (const r of received) expect(r.text).toBe(`Order ${r.c.n} ready`);
    // every message's status reached the webhook receiver (its `sent`, or, if the kill took that
    // event with it, the receipt that followed on the new owner)
    const reported = await eventually(
      'a status delivered for every message',
      () => {
        const ids = new Set(
          receiver.events.filter((e) => victim.includes(e.instance.name)).map((e) => e.data.id),
        );
        return ids.size >= total ? ids : undefined;
      },
      120_000,
    ).catch((err: Error) => {
      const byStatus = new Map<string, Set<unknown>>();
      for (const e of receiver.events)
        byStatus.set(
          String(e.data.status),
          (byStatus.get(String(e.data.status)) ?? new Set()).add(e.data.id),
        );
      const counts = [...byStatus].map(([k, v]) => `${k}: ${v.size}`).join(', ');
      throw new Error(`${err.message}; distinct ids by status: ${counts}`);
    });
    expect(reported.size).toBe(total);
    // each instance's events reached the receiver in the order they were stored (published), before and
    // after the takeover (a delivery cut off by the kill may come twice, in place)
    for (const name of victim) {
      const seen = new Set<string>();
      const firsts = receiver.events.filter(
        (e) => e.instance.name === name && !seen.has(e.id) && seen.add(e.id),
      );
      const stored = await eventOrder(firsts[0]?.instance.id ?? '');
      const positions = firsts.map((e) => stored.get(e.id) ?? -1);
      expect(positions).not.toContain(-1);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
    }
  });

  it('a worker stopping on SIGTERM hands its instances to a worker that joined', {
    timeout: 120_000,
  }, async () => {
    workers.set('w3', await node('worker', 'w3').start());
    await workers.get('w2')?.stop('SIGTERM');
    await eventually(
      'all four connected on w3',
      async () => (await instances(api1.api)).every((i) => i.status === 'connected' && i.owner === 'w3'),
      30_000,
    );
    const contact = sim.api.createContact({}).phone;
    await api1.api.post('/api/v1/instances/f-a/messages', { to: contact, type: 'text', text: 'still here' });
    await eventually('the text sent after the hand-over', () => sim.api.contactInbox(contact).length === 1);
  });

  it('a worker frozen past its lease gives its sockets up when it wakes; every text arrives once', {
    timeout: 180_000,
  }, async () => {
    workers.set('w4', await node('worker', 'w4').start());
    await eventually(
      'two instances handed to w4',
      async () => {
        const o = [...(await ownersOf(api1.api)).values()];
        return o.filter((w) => w === 'w4').length === 2 && o.filter((w) => w === 'w3').length === 2;
      },
      60_000,
    );
    const frozen = workers.get('w3');
    const pid = frozen?.child?.pid ?? 0;
    process.kill(pid, 'SIGSTOP');
    try {
      await eventually(
        'all four connected on w4',
        async () => (await instances(api1.api)).every((i) => i.status === 'connected' && i.owner === 'w4'),
        60_000,
      );
      const contact = sim.api.createContact({}).phone;
      for (const name of names)
        await api2.api.post(`/api/v1/instances/${name}/messages`, {
          to: contact,
          type: 'text',
          text: `while frozen ${name}`,
        });
      await eventually('the four texts sent meanwhile', () => sim.api.contactInbox(contact).length === 4);
      process.kill(pid, 'SIGCONT');
      await eventually('the woken worker to give its leases up', () =>
        /leases not renewed in time|lease lost/.test(frozen?.output ?? ''),
      );
      for (const name of names)
        await api1.api.post(`/api/v1/instances/${name}/messages`, {
          to: contact,
          type: 'text',
          text: `after ${name}`,
        });
      await eventually('the four texts sent after it woke', () => sim.api.contactInbox(contact).length === 8);
      const texts = sim.api.contactInbox(contact).map((m) => String(m.content.text));
      expect(new Set(texts).size).toBe(8);
      // it may take a fair share back afterwards, but only through a new claim (a new epoch)
      await eventually('all four connected, each on a live worker', async () =>
        (await instances(api1.api)).every(
          (i) => i.status === 'connected' && ['w3', 'w4'].includes(String(i.owner)),
        ),
      );
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });
});
