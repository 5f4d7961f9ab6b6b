import { io as connectSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../sim/simulator.ts';
import { GatewayProcess } from '../support/gateway-harness.ts';

const BUDGET = 5;
const CLIENT_A = '203.0.113.7';
const CLIENT_B = '198.51.100.9';
const CLIENT_C = '192.0.2.44';

type Handshake = { connected: true } | { connected: false; message: string; data: unknown };

/** A socket.io handshake with `key`, relayed for `client`; how it ended. */
function handshake(gw: GatewayProcess, key: string, client: string): Promise<Handshake> {
  const socket = connectSocket(gw.api.baseUrl, {
    path: '/socket.io',
    auth: { apiKey: key },
    extraHeaders: { 'x-forwarded-for': client },
    transports: ['websocket'],
    reconnection: false,
  });
  return new Promise((resolve) => {
    socket.on('connect', () => {
      socket.close();
      resolve({ connected: true });
    });
    socket.on('connect_error', (err: Error & { data?: unknown }) => {
      socket.close();
      resolve({ connected: false, message: err.message, data: err.data });
    });
  });
}

type Coded = { error: { code: string } };

/** One request with a wrong key, as if relayed by a reverse proxy for `client`. */
async function wrongKeyFrom(gw: GatewayProcess, client: string): Promise<{ status: number; code: string }> {
  const res = await fetch(`${gw.api.baseUrl}/api/v1/instances`, {
    headers: { authorization: 'Bearer zg_wrong_key', 'x-forwarded-for': client },
  });
  return { status: res.status, code: ((await res.json()) as Coded).error.code };
}

/** Spends `from`'s whole failure budget and the one over it. */
async function exhaust(gw: GatewayProcess, from: string) {
  const answers = [];
  for (let i = 0; i <= BUDGET; i++) answers.push(await wrongKeyFrom(gw, from));
  return answers;
}

describe('the client address behind a reverse proxy (TRUST_PROXY)', () => {
  let sim: RunningSimulator;
  let direct: GatewayProcess;
  let proxied: GatewayProcess;

  beforeAll(async () => {
    sim = await startSimulator();
    const env = { AUTH_FAILURES_PER_MINUTE: String(BUDGET) };
    [direct, proxied] = await Promise.all([
      new GatewayProcess({ sim: sim.info, env }).start(),
      // the tests' requests come from 127.0.0.1: the proxy
      new GatewayProcess({ sim: sim.info, env: { ...env, TRUST_PROXY: 'loopback' } }).start(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([direct?.dispose(), proxied?.dispose()]);
    await sim?.close();
  });

  it('by default ignores X-Forwarded-For: every client behind one address shares its budget', async () => {
    const answers = await exhaust(direct, CLIENT_A);
    expect(answers.slice(0, BUDGET).map((a) => a.status)).toEqual(Array(BUDGET).fill(401));
    expect(answers[BUDGET]).toEqual({ status: 429, code: 'ZG_ERR_RATE_LIMITED' });
    // a forged header does not buy a fresh budget
    expect((await wrongKeyFrom(direct, CLIENT_B)).status).toBe(429);
  });

  it('with TRUST_PROXY, budgets are per forwarded client: one client over it leaves the next alone', async () => {
    const answers = await exhaust(proxied, CLIENT_A);
    expect(answers.slice(0, BUDGET).map((a) => a.status)).toEqual(Array(BUDGET).fill(401));
    expect(answers[BUDGET]).toEqual({ status: 429, code: 'ZG_ERR_RATE_LIMITED' });
    expect(await wrongKeyFrom(proxied, CLIENT_B)).toEqual({ status: 401, code: 'ZG_ERR_UNAUTHORIZED' });
    expect((await wrongKeyFrom(proxied, CLIENT_A)).status).toBe(429);
  });

  it('logs the client over its budget by its forwarded address, or else by the proxy’s', () => {
    expect(proxied.output).toContain(`"client":"${CLIENT_A}"`);
    expect(direct.output).toContain('"client":"127.0.0.1"');
    expect(direct.output).not.toContain(CLIENT_A);
  });

  it('counts wrong keys in socket.io handshakes against the same budget, with a retry hint', async () => {
    for (let i = 0; i < 2; i++) expect((await wrongKeyFrom(proxied, CLIENT_C)).status).toBe(401);
    const answers: Handshake[] = [];
    for (let i = 2; i <= BUDGET; i++) answers.push(await handshake(proxied, 'zg_wrong_key', CLIENT_C));
    expect(answers.slice(0, -1).map((a) => (a.connected ? 'connected' : a.message))).toEqual(
      Array(BUDGET - 2).fill('ZG_ERR_UNAUTHORIZED: missing or invalid API key'),
    );
    const over = answers.at(-1);
    expect(over?.connected).toBe(false);
    if (over?.connected !== false) return;
    expect(over.message).toMatch(/^ZG_ERR_RATE_LIMITED: .*retry in \d+ s/);
    expect(over.data).toMatchObject({ code: 'ZG_ERR_RATE_LIMITED' });
    expect((over.data as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(0);
    // HTTP from the same client is over the same budget now
    expect((await wrongKeyFrom(proxied, CLIENT_C)).status).toBe(429);
    // a valid key from the same client still connects
    expect(await handshake(proxied, proxied.api.key ?? '', CLIENT_C)).toEqual({ connected: true });
  });
});
