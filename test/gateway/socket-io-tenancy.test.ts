import type { Socket } from 'socket.io-client';
import { io as connectSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../sim/simulator.ts';
import { GatewayProcess, type InstanceJson, linkByQr, PACING_OFF } from '../support/gateway-harness.ts';
import { type ApiClient, eventually } from '../support/http-client.ts';

type Envelope = {
  event: string;
  instance: { id: string; name: string };
  tenantId: string | null;
  data: { content?: { text?: string } };
};
type Issued = { tenant: { id: string }; apiKey: { key: string } };

/** A socket.io client that keeps every event it is sent, in order. */
class RecordingSocket {
  readonly events: Envelope[] = [];
  readonly socket: Socket;
  constructor(baseUrl: string, auth: Record<string, string>) {
    this.socket = connectSocket(baseUrl, {
      path: '/socket.io',
      auth,
      transports: ['websocket'],
      reconnection: false,
    });
    this.socket.on('event', (e: Envelope) => this.events.push(e));
  }
  connected(): Promise<true> {
    return eventually('the socket to connect', () => this.socket.connected);
  }
  refusal(): Promise<Error> {
    return new Promise((resolve) => this.socket.on('connect_error', resolve));
  }
  texts(): string[] {
    return this.events.filter((e) => e.event === 'message.received').map((e) => String(e.data.content?.text));
  }
  waitForText(text: string): Promise<true> {
    return eventually(`"${text}" on the socket`, () => this.texts().includes(text));
  }
}

describe('socket.io with tenant-owned instances', () => {
  let sim: RunningSimulator;
  let gw: GatewayProcess;
  let contact: string;
  const keys: Record<'a' | 'b', string> = { a: '', b: '' };
  const instances: Record<'a1' | 'a2' | 'b1', InstanceJson> = {} as never;
  const sockets: RecordingSocket[] = [];
  const open = (auth: Record<string, string>) => {
    const socket = new RecordingSocket(gw.api.baseUrl, auth);
    sockets.push(socket);
    return socket;
  };
  const link = async (api: ApiClient, name: string) => {
    const { phone } = sim.api.createAccount({ name });
    const created = await api.post<InstanceJson>('/api/v1/instances', { name });
    expect(created.status).toBe(201);
    return linkByQr(api, sim.info.adminUrl, created.body.id, phone);
  };

  beforeAll(async () => {
    sim = await startSimulator();
    gw = await new GatewayProcess({ sim: sim.info, env: PACING_OFF }).start();
    for (const tenant of ['a', 'b'] as const) {
      const issued = await gw.api.post<Issued>('/api/v1/tenants', { name: `Tenant ${tenant}` });
      expect(issued.status).toBe(201);
      keys[tenant] = issued.body.apiKey.key;
    }
    instances.a1 = await link(gw.api.withKey(keys.a), 'a-one');
    instances.a2 = await link(gw.api.withKey(keys.a), 'a-two');
    instances.b1 = await link(gw.api.withKey(keys.b), 'b-one');
    contact = sim.api.createContact({ name: 'Everyone' }).phone;
  });
  afterAll(async () => {
    for (const s of sockets) s.socket.close();
    await gw?.dispose();
    await sim?.close();
  });

  it("shows a tenant its own instances' events and only those; auth.instance narrows to one", async () => {
    const admin = open({ apiKey: gw.api.key ?? '' });
    const tenantA = open({ apiKey: keys.a });
    const onlyA1 = open({ apiKey: keys.a, instance: 'a-one' });
    const tenantB = open({ apiKey: keys.b });
    for (const s of sockets) await s.connected();
    // one at a time, each seen by the operator before the next: every socket is sent them in this order
    const order: Array<[keyof typeof instances, string]> = [
      ['b1', 'to b1'],
      ['a2', 'to a2'],
      ['a1', 'to a1'],
      ['b1', 'last for b1'],
      ['a1', 'last for a1'],
    ];
    for (const [target, text] of order) {
      await sim.api.contactSend(contact, { to: instances[target].phone, type: 'text', text });
      await admin.waitForText(text);
    }
    await tenantA.waitForText('last for a1');
    await onlyA1.waitForText('last for a1');
    await tenantB.waitForText('last for b1');

    expect(tenantA.texts()).toEqual(['to a2', 'to a1', 'last for a1']);
    expect(onlyA1.texts()).toEqual(['to a1', 'last for a1']);
    expect(tenantB.texts()).toEqual(['to b1', 'last for b1']);
    const idsOf = (s: RecordingSocket) => new Set(s.events.map((e) => e.instance.id));
    expect([...idsOf(tenantA)].sort()).toEqual([instances.a1.id, instances.a2.id].sort());
    expect([...idsOf(onlyA1)]).toEqual([instances.a1.id]);
    expect([...idsOf(tenantB)]).toEqual([instances.b1.id]);
    expect(admin.texts()).toEqual(order.map(([, text]) => text));
  });

  it("refuses a wrong key, and another tenant's instance in auth.instance", async () => {
    const wrongKey = open({ apiKey: 'zg_not_a_key_at_all' });
    expect((await wrongKey.refusal()).message).toMatch(/ZG_ERR_UNAUTHORIZED/);
    const noKey = open({});
    expect((await noKey.refusal()).message).toMatch(/ZG_ERR_UNAUTHORIZED/);
    for (const ref of [instances.b1.id, 'b-one']) {
      const foreign = open({ apiKey: keys.a, instance: ref });
      expect((await foreign.refusal()).message).toMatch(/not found/);
      expect(foreign.socket.connected).toBe(false);
    }
  });
});
