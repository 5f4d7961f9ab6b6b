import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../sim/simulator.ts';
import { ADMIN_KEY, GatewayProcess } from '../support/gateway-harness.ts';
import { eventually } from '../support/http-client.ts';

type Envelope = { event: string; instance: { id: string; name: string } };

let sim: RunningSimulator;
let gw: GatewayProcess;
let base: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  sim = await startSimulator();
  gw = await new GatewayProcess({ sim: sim.info }).start();
  base = gw.api.baseUrl;
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await gw?.dispose();
  await sim?.close();
});

/** Signs in as the dashboard does and returns the session cookie's `name=value`. */
async function sessionCookie(apiKey: string): Promise<string> {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ apiKey }),
  });
  expect(res.status).toBe(200);
  return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

/** A socket that presents only `headers` (a cookie, an Origin), no key; its events kept in order. */
function open(headers: Record<string, string>) {
  const socket = connectSocket(base, {
    path: '/socket.io',
    transports: ['websocket'],
    reconnection: false,
    extraHeaders: headers,
  });
  sockets.push(socket);
  const events: Envelope[] = [];
  socket.on('event', (e: Envelope) => events.push(e));
  const outcome = new Promise<'connected' | Error>((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', resolve);
  });
  return { socket, events, outcome };
}

const createInstance = async (key: string, name: string) => {
  const res = await gw.api.withKey(key).post<{ id: string }>('/api/v1/instances', { name });
  expect(res.status).toBe(201);
  return res.body.id;
};

describe('socket.io on the dashboard session cookie', () => {
  it("accepts the cookie as it accepts the key: a tenant's session sees only its own instances", async () => {
    const tenant = await gw.api.post<{ apiKey: { key: string } }>('/api/v1/tenants', { name: 'Cookie Co' });
    expect(tenant.status).toBe(201);
    const tenantKey = tenant.body.apiKey.key;
    const admin = open({ cookie: await sessionCookie(ADMIN_KEY) });
    const own = open({ cookie: await sessionCookie(tenantKey), origin: base });
    expect(await admin.outcome).toBe('connected');
    expect(await own.outcome).toBe('connected');

    const operators = await createInstance(ADMIN_KEY, 'cookie-admin');
    const tenants = await createInstance(tenantKey, 'cookie-tenant');
    await eventually('both instances on the admin session', () =>
      [operators, tenants].every((id) => admin.events.some((e) => e.instance.id === id)),
    );
    await eventually("the tenant's instance on its session", () =>
      own.events.some((e) => e.instance.id === tenants),
    );
    expect(own.events.filter((e) => e.instance.id !== tenants)).toEqual([]);
  });

  it('refuses the cookie from another origin, and a cookie that is not a session', async () => {
    const cookie = await sessionCookie(ADMIN_KEY);
    const foreign = open({ cookie, origin: 'https://evil.example' });
    const refused = await foreign.outcome;
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toMatch(/ZG_ERR_CSRF/);

    const forged = open({ cookie: `${cookie.slice(0, -4)}AAAA` });
    expect(((await forged.outcome) as Error).message).toMatch(/ZG_ERR_UNAUTHORIZED/);
    const none = open({ origin: base });
    expect(((await none.outcome) as Error).message).toMatch(/ZG_ERR_UNAUTHORIZED/);
  });
});
