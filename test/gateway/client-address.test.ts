import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../sim/simulator.ts';
import { GatewayProcess } from '../support/gateway-harness.ts';

const BUDGET = 5;
const CLIENT_A = '203.0.113.7';
const CLIENT_B = '198.51.100.9';

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
});
