import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../sim/simulator.ts';
import { verifySignature } from '../../src/webhooks/signing.ts';
import { EndlessServer } from '../support/endless-server.ts';
import { GatewayProcess, type InstanceJson } from '../support/gateway-harness.ts';
import { type ApiClient, eventually } from '../support/http-client.ts';

type Delivery = {
  id: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  lastResponse: string | null;
  nextAttemptAt: string;
};

let sim: RunningSimulator;
let gw: GatewayProcess;
let api: ApiClient;
// answers 200, then a body that does not end (it stops writing at 32 MB and waits for the client)
const endless = new EndlessServer(32 * 1024 * 1024, { 'content-type': 'text/plain' });

/** What a plain receiver got: the path and whether the signature checks with the instance's secret. */
const hits: Array<{ path: string; signedWithOwnSecret: boolean }> = [];
const OWN_SECRET = 'own-secret-of-the-instance';
/** Requests to /silent, held without an answer until the file ends. */
const silent: ServerResponse[] = [];
const receiver = createServer((req, res) => {
  if (req.url === '/silent') return void silent.push(res);
  if (req.url === '/moved') return void res.writeHead(302, { location: '/elsewhere' }).end();
  if (req.url === '/busy') return void res.writeHead(503, { 'retry-after': '120' }).end('busy');
  let raw = '';
  req.on('data', (chunk: Buffer) => {
    raw += chunk;
  });
  req.on('end', () => {
    const h = (n: string) => String(req.headers[n] ?? '');
    const signed = verifySignature(OWN_SECRET, h('x-webhook-timestamp'), raw, h('x-webhook-signature'));
    hits.push({ path: req.url ?? '', signedWithOwnSecret: signed });
    res.end('ok');
  });
});
let receiverUrl = '';
const TIMEOUT_MS = 1_000;

beforeAll(async () => {
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  await endless.start();
  sim = await startSimulator();
  gw = await new GatewayProcess({
    sim: sim.info,
    env: { WEBHOOK_ALLOW_PRIVATE: '1', WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS) },
  }).start();
  api = gw.api;
});
afterAll(async () => {
  await gw?.dispose();
  await sim?.close();
  await endless.close();
  for (const res of silent) res.destroy();
  receiver.close();
});

describe('webhook receivers', () => {
  it('marks a delivery delivered on a 200 with an endless body, keeping only its first bytes', async () => {
    const hook = await api.post<{ id: string }>('/api/v1/webhooks', {
      url: `${endless.url}/endless-answer`,
      events: ['instance.status'],
    });
    expect(hook.status).toBe(201);
    expect((await api.post('/api/v1/instances', { name: 'talker', start: false })).status).toBe(201);
    await api.post('/api/v1/instances/talker/start');
    const delivered = await eventually('a delivered delivery', async () => {
      const page = await api.get<{ items: Delivery[] }>(
        `/api/v1/webhooks/${hook.body.id}/deliveries?status=delivered`,
      );
      return page.body.items[0];
    });
    expect(delivered.lastStatusCode).toBe(200);
    expect(delivered.lastResponse).toBe('a'.repeat(2048));
    const stream = await eventually('the answer to be cut off', () =>
      endless.streams.find((s) => s.path === '/endless-answer' && s.closedByClient),
    );
    expect(stream.written).toBeLessThan(32 * 1024 * 1024);
    await api.delete(`/api/v1/webhooks/${hook.body.id}`);
  });

  it('retries a receiver that does not answer in time, or asks to wait; a redirect is not followed', async () => {
    const hook = async (path: string) =>
      (
        await api.post<{ id: string }>('/api/v1/webhooks', {
          url: `${receiverUrl}${path}`,
          events: ['instance.status'],
        })
      ).body.id;
    const [silentHook, movedHook, busyHook] = [
      await hook('/silent'),
      await hook('/moved'),
      await hook('/busy'),
    ];
    const startedAt = Date.now();
    expect((await api.post('/api/v1/instances', { name: 'answers', start: false })).status).toBe(201);
    await api.post('/api/v1/instances/answers/start');
    const first = (id: string, status: string, done: (d: Delivery) => boolean) =>
      eventually(`a ${status} delivery of ${id}`, async () => {
        const page = await api.get<{ items: Delivery[] }>(
          `/api/v1/webhooks/${id}/deliveries?status=${status}`,
        );
        return page.body.items.find(done);
      });
    const timedOut = await first(silentHook, 'pending', (d) => d.lastError !== null);
    expect(timedOut.lastError).toBe(`no answer in ${TIMEOUT_MS} ms`);
    expect(timedOut.lastStatusCode).toBeNull();
    const moved = await first(movedHook, 'dead', () => true);
    expect(moved.lastStatusCode).toBe(302);
    expect(hits.some((h) => h.path === '/elsewhere')).toBe(false);
    const busy = await first(busyHook, 'pending', (d) => d.lastStatusCode !== null);
    expect([busy.lastStatusCode, busy.lastResponse]).toEqual([503, 'busy']);
    // Retry-After: 120 puts the next attempt two minutes out, past the backoff of a first retry
    expect(Date.parse(busy.nextAttemptAt) - startedAt).toBeGreaterThanOrEqual(110_000);
    for (const id of [silentHook, movedHook, busyHook]) await api.delete(`/api/v1/webhooks/${id}`);
  });

  it('checks settings.webhook at create as at PATCH: a bad one refuses the instance', async () => {
    for (const webhook of [{ url: 'ftp://nope' }, { url: receiverUrl, events: ['Not An Event'] }]) {
      const res = await api.post<{ error: { code: string } }>('/api/v1/instances', {
        name: 'refused',
        start: false,
        settings: { webhook },
      });
      expect([res.status, res.body.error.code]).toEqual([400, 'ZG_ERR_VALIDATION']);
      expect((await api.get('/api/v1/instances/refused')).status).toBe(404);
    }
  });

  it('makes settings.webhook given at create the instance webhook, and never shows its secret', async () => {
    const created = await api.post<InstanceJson>('/api/v1/instances', {
      name: 'hooked-at-birth',
      start: false,
      settings: { webhook: { url: `${receiverUrl}/own`, events: ['instance.status'], secret: OWN_SECRET } },
    });
    expect(created.status).toBe(201);
    expect(created.body.settings).toEqual({
      webhook: { url: `${receiverUrl}/own`, events: ['instance.status'] },
    });
    const hooks = await api.get<{ items: Array<{ id: string; url: string }> }>('/api/v1/webhooks');
    expect(hooks.body.items).toContainEqual(
      expect.objectContaining({ id: `instance-${created.body.id}`, url: `${receiverUrl}/own` }),
    );
    // an unrelated change later is not refused over the webhook, and keeps its secret
    const patched = await api.patch<InstanceJson>('/api/v1/instances/hooked-at-birth', {
      settings: { pacing: { minDelayMs: 0 } },
    });
    expect(patched.status).toBe(200);
    await api.post('/api/v1/instances/hooked-at-birth/start');
    const hit = await eventually('an event at the instance webhook', () =>
      hits.find((h) => h.path === '/own'),
    );
    expect(hit.signedWithOwnSecret).toBe(true);
    const shown = [
      created.body,
      patched.body,
      (await api.get('/api/v1/instances/hooked-at-birth')).body,
      (await api.get('/api/v1/instances')).body,
    ];
    for (const body of shown) expect(JSON.stringify(body)).not.toContain(OWN_SECRET);
  });
});
