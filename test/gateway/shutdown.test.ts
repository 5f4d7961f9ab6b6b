import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../sim/simulator.ts';
import { GatewayProcess, PACING_OFF } from '../support/gateway-harness.ts';
import { eventually, SseReader } from '../support/http-client.ts';

let sim: RunningSimulator;
let gw: GatewayProcess;
/** A webhook receiver that never answers: a delivery to it keeps a shutdown waiting. */
const held: ServerResponse[] = [];
const receiver = createServer((_req, res) => held.push(res));

beforeAll(async () => {
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  sim = await startSimulator();
  gw = await new GatewayProcess({
    sim: sim.info,
    env: { ...PACING_OFF, LOG_LEVEL: 'info', WEBHOOK_ALLOW_PRIVATE: '1', WEBHOOK_TIMEOUT_MS: '600000' },
  }).start();
});
afterAll(async () => {
  await gw?.dispose();
  for (const res of held) res.end();
  receiver.close();
  await sim?.close();
});

/** Sends the signal to the gateway; resolves with the code it exits with. */
function signal(name: 'SIGTERM' | 'SIGINT'): Promise<number | null> {
  const child = gw.child;
  if (!child || child.exitCode !== null) throw new Error('the gateway is not running');
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  child.kill(name);
  return exited;
}

describe('shutdown', () => {
  it('ends open event streams on SIGTERM and exits 0', async () => {
    await gw.api.post('/api/v1/instances', { name: 'watched', start: false });
    const key = gw.api.key ?? '';
    const all = new SseReader(`${gw.api.baseUrl}/api/v1/events`, key);
    const one = new SseReader(`${gw.api.baseUrl}/api/v1/instances/watched/events`, key);
    await eventually('both streams to open', () => all.opened && one.events.length > 0);
    expect(await signal('SIGTERM')).toBe(0);
    // ended by the gateway, not by this test
    await Promise.all([all.done, one.done]);
    await gw.start();
  });

  it('exits at once, non-zero, on a second signal while the shutdown waits', async () => {
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    expect((await gw.api.post('/api/v1/webhooks', { url: receiverUrl, events: ['*'] })).status).toBe(201);
    await gw.api.post('/api/v1/instances', { name: 'slow' });
    await eventually('a delivery held by the receiver', () => held.length > 0);
    // the output holds the earlier run's lines too: look only at what this shutdown prints
    gw.output = '';
    const exited = signal('SIGTERM');
    await eventually('the shutdown to start', () => gw.output.includes('SIGTERM: shutting down'));
    gw.child?.kill('SIGINT');
    expect(await exited).toBe(130);
  });
});
