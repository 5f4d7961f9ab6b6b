import type { Socket } from 'socket.io-client';
import { io as connectSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../sim/simulator.ts';
import { GatewayProcess, type InstanceJson, linkByQr, PACING_OFF } from '../support/gateway-harness.ts';
import { type ApiClient, eventually } from '../support/http-client.ts';

type Envelope = { event: string; instance: { id: string }; data: { content?: { text?: string } } };
type Issued = { apiKey: { key: string } };
type CodedError = { code: string; message: string };
type Ack =
  | {
      changed: Array<{ id: string; name: string }>;
      refused: Array<{ instance: string; error: CodedError }>;
      subscriptions: string[];
    }
  | { error: CodedError };
type Name = 'a1' | 'a2' | 'b1';

/** A socket.io client that keeps the text of every message.received it is sent, in order. */
class RecordingSocket {
  readonly texts: string[] = [];
  readonly socket: Socket;
  constructor(baseUrl: string, auth: Record<string, string>) {
    this.socket = connectSocket(baseUrl, {
      path: '/socket.io',
      auth,
      transports: ['websocket'],
      reconnection: false,
    });
    this.socket.on('event', (e: Envelope) => {
      if (e.event === 'message.received') this.texts.push(String(e.data.content?.text));
    });
  }
  request(event: 'subscribe' | 'unsubscribe', payload: unknown): Promise<Ack> {
    return this.socket.timeout(30_000).emitWithAck(event, payload) as Promise<Ack>;
  }
  async subscribe(...refs: string[]) {
    const ack = await this.request('subscribe', { instances: refs });
    if ('error' in ack) throw new Error(`subscribe refused: ${ack.error.code}`);
    return ack;
  }
  async unsubscribe(...refs: string[]) {
    const ack = await this.request('unsubscribe', { instances: refs });
    if ('error' in ack) throw new Error(`unsubscribe refused: ${ack.error.code}`);
    return ack;
  }
  waitForText(text: string): Promise<true> {
    return eventually(`"${text}" on the socket`, () => this.texts.includes(text));
  }
  /** The texts received since `mark` was (the texts are numbered, so each is unique). */
  since(mark: number): string[] {
    return this.texts.slice(mark);
  }
}

describe('socket.io subscribe / unsubscribe (rooms)', () => {
  let sim: RunningSimulator;
  let gw: GatewayProcess;
  let contact: string;
  let admin: RecordingSocket;
  let sent = 0;
  const keys = { a: '', b: '' };
  const instances = {} as Record<Name, InstanceJson>;
  const sockets: RecordingSocket[] = [];
  const open = async (auth: Record<string, string>) => {
    const socket = new RecordingSocket(gw.api.baseUrl, auth);
    sockets.push(socket);
    await eventually('the socket to connect', () => socket.socket.connected);
    return socket;
  };
  const link = async (api: ApiClient, name: string) => {
    const { phone } = sim.api.createAccount({ name });
    const created = await api.post<InstanceJson>('/api/v1/instances', { name });
    expect(created.status).toBe(201);
    return linkByQr(api, sim.info.adminUrl, created.body.id, phone);
  };
  /**
   * One text to each target, in order, each seen by the operator's socket (which never subscribes)
   * before the next; a socket is sent its events in order, so once it has the last text for one of
   * its instances it has everything before it too.
   */
  const sendEach = async (...targets: Name[]) => {
    const texts: string[] = [];
    for (const target of targets) {
      const text = `#${++sent} to ${target}`;
      await sim.api.contactSend(contact, { to: instances[target].phone, type: 'text', text });
      await admin.waitForText(text);
      texts.push(text);
    }
    return texts;
  };

  beforeAll(async () => {
    sim = await startSimulator();
    gw = await new GatewayProcess({ sim: sim.info, env: PACING_OFF }).start();
    for (const tenant of ['a', 'b'] as const) {
      const issued = await gw.api.post<Issued>('/api/v1/tenants', { name: `Tenant ${tenant}` });
      expect(issued.status).toBe(201);
      keys[tenant] = issued.body.apiKey.key;
    }
    instances.a1 = await link(gw.api.withKey(keys.a), 'rooms-a1');
    instances.a2 = await link(gw.api.withKey(keys.a), 'rooms-a2');
    instances.b1 = await link(gw.api.withKey(keys.b), 'rooms-b1');
    contact = sim.api.createContact({ name: 'Rooms' }).phone;
    admin = await open({ apiKey: gw.api.key ?? '' });
  });
  afterAll(async () => {
    for (const s of sockets) s.socket.close();
    await gw?.dispose();
    await sim?.close();
  });

  it("narrows a tenant's socket to its subscriptions, refusing another tenant's instance; unsubscribe leaves", async () => {
    const everything = await open({ apiKey: keys.a });
    const chooser = await open({ apiKey: keys.a });
    const ack = await chooser.subscribe('rooms-a1', instances.b1.id, 'no-such-instance');
    expect(ack.changed).toEqual([{ id: instances.a1.id, name: 'rooms-a1' }]);
    expect(ack.refused).toEqual([
      { instance: instances.b1.id, error: expect.objectContaining({ code: 'ZG_ERR_NOT_FOUND' }) },
      { instance: 'no-such-instance', error: expect.objectContaining({ code: 'ZG_ERR_NOT_FOUND' }) },
    ]);
    expect(ack.subscriptions).toEqual([instances.a1.id]);

    const first = await sendEach('b1', 'a2', 'a1');
    await everything.waitForText(first[2] ?? '');
    await chooser.waitForText(first[2] ?? '');
    // a socket that never subscribed keeps every instance of its key
    expect(everything.texts).toEqual([first[1], first[2]]);
    expect(chooser.texts).toEqual([first[2]]);

    const moved = await chooser.subscribe(instances.a2.id);
    expect(moved.subscriptions.sort()).toEqual([instances.a1.id, instances.a2.id].sort());
    const left = await chooser.unsubscribe('rooms-a1', instances.b1.id);
    expect(left.changed).toEqual([{ id: instances.a1.id, name: 'rooms-a1' }]);
    expect(left.refused.map((r) => r.error.code)).toEqual(['ZG_ERR_NOT_FOUND']);
    expect(left.subscriptions).toEqual([instances.a2.id]);
    const mark = chooser.texts.length;
    const second = await sendEach('a1', 'b1', 'a2');
    await chooser.waitForText(second[2] ?? '');
    expect(chooser.since(mark)).toEqual([second[2]]);
  });

  it('lets a socket bound by auth.instance subscribe to its own instance only', async () => {
    const bound = await open({ apiKey: keys.a, instance: 'rooms-a1' });
    const ack = await bound.subscribe(instances.a2.id, 'rooms-a1');
    expect(ack.changed.map((i) => i.id)).toEqual([instances.a1.id]);
    expect(ack.refused).toEqual([
      { instance: instances.a2.id, error: expect.objectContaining({ code: 'ZG_ERR_FORBIDDEN' }) },
    ]);
    const texts = await sendEach('a2', 'a1');
    await bound.waitForText(texts[1] ?? '');
    expect(bound.texts).toEqual([texts[1]]);
  });

  it('narrows on the first subscribe even when every instance in it is refused', async () => {
    const refusedOnly = await open({ apiKey: keys.b });
    const ack = await refusedOnly.subscribe(instances.a1.id);
    expect(ack.changed).toEqual([]);
    expect(ack.subscriptions).toEqual([]);
    await sendEach('b1', 'a1');
    // nothing was sent to it: the next text it is subscribed to is the first it receives
    await refusedOnly.subscribe('rooms-b1');
    const [marker] = await sendEach('b1');
    await refusedOnly.waitForText(marker ?? '');
    expect(refusedOnly.texts).toEqual([marker]);
  });

  it("lets the operator's key subscribe to any tenant's instance", async () => {
    const operator = await open({ apiKey: gw.api.key ?? '' });
    await operator.subscribe(instances.b1.id);
    const texts = await sendEach('a1', 'b1');
    await operator.waitForText(texts[1] ?? '');
    expect(operator.texts).toEqual([texts[1]]);
  });

  it('answers a malformed request with a coded error and stays connected', async () => {
    const socket = await open({ apiKey: keys.a });
    for (const payload of [undefined, {}, { instances: [] }, { instances: [42] }, { instances: 'rooms-a1' }])
      expect(await socket.request('subscribe', payload)).toEqual({
        error: expect.objectContaining({ code: 'ZG_ERR_VALIDATION' }),
      });
    const tooMany = Array.from({ length: 101 }, (_, i) => `i${i}`);
    expect(await socket.request('unsubscribe', { instances: tooMany })).toEqual({
      error: expect.objectContaining({ code: 'ZG_ERR_VALIDATION' }),
    });
    // without an ack callback the request still takes effect; requests run in the order sent
    socket.socket.emit('subscribe', { instances: ['rooms-a1'] });
    socket.socket.emit('unsubscribe', { instances: ['rooms-a1'] });
    socket.socket.emit('subscribe', { instances: ['rooms-a2'] });
    const ack = await socket.subscribe(instances.a2.id);
    expect(ack.subscriptions).toEqual([instances.a2.id]);
    expect(socket.socket.connected).toBe(true);
    const texts = await sendEach('a1', 'a2');
    await socket.waitForText(texts[1] ?? '');
    expect(socket.texts).toEqual([texts[1]]);
  });
});
