import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../sim/simulator.ts';
import { openStore } from '../../src/store/database.ts';
import { ADMIN_KEY, GatewayProcess, type InstanceJson, testStore } from '../support/gateway-harness.ts';
import { type ApiClient, type ApiResponse, eventually, SseReader } from '../support/http-client.ts';
import { pngBytes } from '../support/media-fixtures.ts';
import { burst, gatewaySocket, openKeyStreams, sendAndStall } from '../support/stream-clients.ts';

let sim: RunningSimulator;
let gw: GatewayProcess;
let admin: ApiClient;
let tenantA: ApiClient;
let tenantB: ApiClient;
let tenantAId: string;
let instanceA: InstanceJson;

type Issued = { tenant: { id: string }; apiKey: { key: string; id: string } };

beforeAll(async () => {
  sim = await startSimulator();
  gw = await new GatewayProcess({
    sim: sim.info,
    env: {
      MAX_INSTANCES: '4',
      REQUEST_TIMEOUT_MS: '1000',
      RATE_LIMIT_PER_MINUTE: '500',
      MAX_STREAMS_PER_KEY: '3',
    },
  }).start();
  admin = gw.api;
  const a = await admin.post<Issued>('/api/v1/tenants', { name: 'Tenant A' });
  const b = await admin.post<Issued>('/api/v1/tenants', { name: 'Tenant B' });
  expect(a.status).toBe(201);
  tenantAId = a.body.tenant.id;
  tenantA = admin.withKey(a.body.apiKey.key);
  tenantB = admin.withKey(b.body.apiKey.key);
  instanceA = (await tenantA.post<InstanceJson>('/api/v1/instances', { name: 'a-shop', start: false })).body;
});
afterAll(async () => {
  await gw?.dispose();
  await sim?.close();
});

describe('tenants', () => {
  // every route with another tenant's ids, by id and by name: the walk in fuzz.test.ts
  it("lists only a tenant's own instances; the admin key sees them all", async () => {
    type List = { items: InstanceJson[]; nextCursor: string | null };
    expect((await tenantB.get<List>('/api/v1/instances')).body).toEqual({ items: [], nextCursor: null });
    expect((await tenantA.get<List>('/api/v1/instances')).body.items.map((i) => i.id)).toEqual([
      instanceA.id,
    ]);
    expect((await admin.get<InstanceJson[]>(`/api/v1/instances/${instanceA.id}`)).status).toBe(200);
  });

  it('lets each tenant reuse a name, but not twice in one tenant', async () => {
    const b = await tenantB.post<InstanceJson>('/api/v1/instances', { name: 'a-shop', start: false });
    expect(b.status).toBe(201);
    const again = await tenantA.post('/api/v1/instances', { name: 'a-shop', start: false });
    expect(again.status).toBe(409);
    expect((again.body as { error: { code: string } }).error.code).toBe('ZG_ERR_CONFLICT');
  });

  it('keeps tenant management to the admin key', async () => {
    expect((await tenantA.get('/api/v1/tenants')).status).toBe(403);
    expect((await tenantA.post('/api/v1/tenants', { name: 'x' })).status).toBe(403);
    const list = await admin.get<{ items: Array<{ id: string }> }>('/api/v1/tenants');
    expect(list.body.items.map((t) => t.id)).toContain(tenantAId);
  });

  it('rotates keys: a new key works, and with revokeOthers the old one stops', async () => {
    const extra = await admin.post<{ key: string }>(`/api/v1/tenants/${tenantAId}/keys`);
    expect(extra.status).toBe(201);
    const viaExtra = admin.withKey(extra.body.key);
    expect((await viaExtra.get('/api/v1/instances')).status).toBe(200);
    expect((await tenantA.get('/api/v1/instances')).status).toBe(200);
    const rotated = await admin.post<{ key: string }>(`/api/v1/tenants/${tenantAId}/keys`, {
      revokeOthers: true,
    });
    expect((await tenantA.get('/api/v1/instances')).status).toBe(401);
    expect((await viaExtra.get('/api/v1/instances')).status).toBe(401);
    tenantA = admin.withKey(rotated.body.key);
    expect((await tenantA.get('/api/v1/instances')).status).toBe(200);
    const keys = await admin.get<{ items: Array<{ id: string; prefix: string; revokedAt: string | null }> }>(
      `/api/v1/tenants/${tenantAId}/keys`,
    );
    expect(keys.body.items.filter((k) => !k.revokedAt)).toHaveLength(1);
    expect(JSON.stringify(keys.body)).not.toContain(rotated.body.key);
  });

  it('ends the SSE streams and sockets of a key when it is revoked, rotated away or its tenant deleted', async () => {
    const c = await admin.post<Issued>('/api/v1/tenants', { name: 'Tenant C' });
    const tenantC = c.body.tenant.id;
    const instance = (
      await admin
        .withKey(c.body.apiKey.key)
        .post<InstanceJson>('/api/v1/instances', { name: 'c', start: false })
    ).body;
    const openAll = (key: string) =>
      openKeyStreams(admin.baseUrl, key, ['/api/v1/events', `/api/v1/instances/${instance.id}/events`]);
    const other = await openAll(c.body.apiKey.key);
    const extra = await admin.post<{ id: string; key: string }>(`/api/v1/tenants/${tenantC}/keys`);
    const revoked = await openAll(extra.body.key);
    expect((await admin.delete(`/api/v1/tenants/${tenantC}/keys/${extra.body.id}`)).status).toBe(204);
    await revoked.closed();
    expect(other.open()).toBe(true);

    const rotated = await admin.post<{ key: string }>(`/api/v1/tenants/${tenantC}/keys`, {
      revokeOthers: true,
    });
    await other.closed();

    const last = await openAll(rotated.body.key);
    expect((await admin.delete(`/api/v1/tenants/${tenantC}`)).status).toBe(204);
    await last.closed();
  });

  it('deletes an instance with its queued messages, their media and its campaigns', async () => {
    const gone = (await tenantB.post<InstanceJson>('/api/v1/instances', { name: 'b-gone', start: false }))
      .body;
    // linked once and stopped now, as far as the gateway can tell: its sends wait in the queue
    const setup = await openStore(gw.databaseUrl);
    await setup.instances
      .update(gone.id, { jid: '15550001111@s.whatsapp.net', phone: '15550001111' })
      .finally(() => setup.close());
    const image = { to: '15550002222', type: 'image', base64: pngBytes(64).toString('base64') };
    const sent = await tenantB.post<{ id: string }>(`/api/v1/instances/${gone.id}/messages`, image);
    expect(sent.status).toBe(202);
    const campaign = await tenantB.post<{ id: string }>(`/api/v1/instances/${gone.id}/campaigns`, {
      template: 'hi',
      recipients: [{ to: '15550003333' }],
    });
    expect(campaign.status).toBe(201);
    const queue = async () => (await tenantB.get<{ total: Record<string, number> }>('/api/v1/queue')).body;
    expect((await queue()).total).toEqual({ queued: 2 });
    expect((await tenantB.delete(`/api/v1/instances/${gone.id}`)).status).toBe(204);
    expect(await queue()).toEqual({ total: {}, items: [], nextCursor: null, oldestQueuedAgeMs: null });
    expect((await tenantB.get(`/api/v1/campaigns/${campaign.body.id}`)).status).toBe(404);
    const store = await openStore(gw.databaseUrl);
    try {
      expect(await store.messageMedia.get(sent.body.id)).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});

const MULTIPART = { 'content-type': 'multipart/form-data; boundary=zg-boundary' };
/** A multipart image send to a-shop with these fields besides `to` and `type`. */
const multipart = (fields: Array<[string, string]>): string =>
  [
    ...[['to', '15550001111'], ['type', 'image'], ...fields].map(
      ([name, value]) =>
        `--zg-boundary\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
    ),
    '--zg-boundary\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n',
    'Content-Type: image/png\r\n\r\nnot really a png\r\n--zg-boundary--\r\n',
  ].join('');

describe('bad requests get coded 4xx, never 500', () => {
  it('refuses missing and wrong keys with 401', async () => {
    for (const client of [
      admin.withKey(undefined),
      admin.withKey('zg_wrong'),
      admin.withKey(`${ADMIN_KEY}x`),
    ]) {
      const res = await client.get<{ error: { code: string } }>('/api/v1/instances');
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('ZG_ERR_UNAUTHORIZED');
    }
    const viaHeader = await admin.withKey(undefined).get('/api/v1/instances', { 'x-api-key': ADMIN_KEY });
    expect(viaHeader.status).toBe(200);
  });

  it('answers malformed bodies, unknown routes and limits with a code that says what to fix', async () => {
    const cases: Array<[string, string, unknown, number, string, Record<string, string>?]> = [
      ['POST', '/api/v1/instances', '{"name": ', 400, 'ZG_ERR_VALIDATION'],
      ['POST', '/api/v1/instances', '[1,2]', 400, 'ZG_ERR_VALIDATION'],
      ['POST', '/api/v1/instances', {}, 400, 'ZG_ERR_VALIDATION'],
      ['POST', '/api/v1/instances', { name: 'has space' }, 400, 'ZG_ERR_VALIDATION'],
      ['POST', '/api/v1/instances', { name: 'x'.repeat(65) }, 400, 'ZG_ERR_VALIDATION'],
      ['POST', '/api/v1/instances', { name: 'ok', start: 'yes please' }, 400, 'ZG_ERR_VALIDATION'],
      ['POST', '/api/v1/instances', { name: 'ok', unknown: 1 }, 400, 'ZG_ERR_VALIDATION'],
      [
        'POST',
        '/api/v1/instances',
        'name=x',
        415,
        'ZG_ERR_UNSUPPORTED_MEDIA_TYPE',
        { 'content-type': 'application/x-www-form-urlencoded' },
      ],
      [
        'POST',
        '/api/v1/instances',
        JSON.stringify({ name: 'big', settings: { pad: 'x'.repeat(2_000_000) } }),
        413,
        'ZG_ERR_PAYLOAD_TOO_LARGE',
      ],
      ['PATCH', '/api/v1/instances/a-shop', {}, 400, 'ZG_ERR_VALIDATION'],
      ['GET', '/api/v1/instances/a-shop/logs?limit=0', undefined, 400, 'ZG_ERR_VALIDATION'],
      // ajv turns these into Infinity past the bounds: a 500 from the database, or a silent empty page
      ['GET', '/api/v1/instances/a-shop/logs?limit=1e309', undefined, 400, 'ZG_ERR_VALIDATION'],
      ['GET', '/api/v1/instances/a-shop/logs?before=Infinity', undefined, 400, 'ZG_ERR_VALIDATION'],
      ['GET', '/api/v1/instances/a-shop/messages?limit=Infinity', undefined, 400, 'ZG_ERR_VALIDATION'],
      ['GET', '/api/v1/webhooks/any/deliveries?limit=Infinity', undefined, 400, 'ZG_ERR_VALIDATION'],
      [
        'POST',
        '/api/v1/instances/a-shop/messages',
        multipart([['ttl', 'Infinity']]),
        400,
        'ZG_ERR_VALIDATION',
        MULTIPART,
      ],
      [
        'POST',
        '/api/v1/instances/a-shop/messages',
        multipart([]).slice(0, 90),
        400,
        'ZG_ERR_VALIDATION',
        MULTIPART,
      ],
      ['POST', '/api/v1/instances/a-shop/messages', 'garbage', 400, 'ZG_ERR_VALIDATION', MULTIPART],
      ['GET', '/api/v1/nothing-here', undefined, 404, 'ZG_ERR_ROUTE_NOT_FOUND'],
      ['PUT', '/api/v1/instances', {}, 405, 'ZG_ERR_METHOD_NOT_ALLOWED'],
      ['PUT', '/api/v1/instances/a-shop/nothing-here', {}, 404, 'ZG_ERR_ROUTE_NOT_FOUND'],
      [
        'POST',
        '/api/v1/instances/a-shop/pairing-code',
        { phoneNumber: 'call me' },
        400,
        'ZG_ERR_INVALID_PHONE',
      ],
      ['POST', '/api/v1/instances/a-shop/pairing-code', {}, 400, 'ZG_ERR_VALIDATION'],
      ['DELETE', '/api/v1/tenants/nope', undefined, 404, 'ZG_ERR_NOT_FOUND'],
    ];
    for (const [method, path, body, status, code, headers] of cases) {
      const client = path.startsWith('/api/v1/tenants') ? admin : tenantA;
      const final = await client.request<{ error: { code: string; message: string } }>(
        method,
        path,
        body,
        headers,
      );
      expect(final.status, `${method} ${path}`).toBe(status);
      expect(final.body.error.code, `${method} ${path}`).toBe(code);
      expect(final.body.error.message.length).toBeGreaterThan(5);
    }
  });

  it('refuses instances past MAX_INSTANCES with a clear 409', async () => {
    const results: number[] = [];
    for (let i = 0; i < 4; i++)
      results.push((await admin.post('/api/v1/instances', { name: `fill-${i}`, start: false })).status);
    expect(results.filter((s) => s === 409).length).toBeGreaterThan(0);
    const res = await admin.post<{ error: { code: string; message: string } }>('/api/v1/instances', {
      name: 'one-too-many',
      start: false,
    });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: 'ZG_ERR_INSTANCE_LIMIT',
      message: expect.stringContaining('MAX_INSTANCES'),
    });
  });

  it('serves health, readiness and the OpenAPI document without a key', async () => {
    const anon = admin.withKey(undefined);
    expect((await anon.get('/health')).status).toBe(200);
    expect((await anon.get<{ database: string }>('/health/ready')).body.database).toBe(testStore());
    const doc = await anon.get<{ paths: Record<string, unknown> }>('/docs/json');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/instances', '/api/v1/instances/{id}/qr', '/api/v1/tenants']),
    );
    expect((await anon.get('/docs')).status).toBeLessThan(400);
  });

  it('sends security headers, and Swagger UI at /docs still loads under its policy', async () => {
    const anon = admin.withKey(undefined);
    const health = await anon.get('/health');
    expect(health.headers.get('x-content-type-options')).toBe('nosniff');
    expect(health.headers.get('content-security-policy')).toContain("script-src 'self'");
    const page = await anon.get<string>('/docs/');
    expect(page.status).toBeLessThan(400);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    // every script and stylesheet of the page is served by the gateway itself, as the policy demands
    const assets = [...page.body.matchAll(/(?:src|href)="\.?([^"]+\.(?:js|css))"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThan(2);
    for (const asset of assets) {
      expect(asset?.startsWith('/'), String(asset)).toBe(true);
      expect((await anon.get(`/docs${asset}`)).status, String(asset)).toBe(200);
    }
  });

  it('demands a key on every API route of the OpenAPI document, however its path is spelled', async () => {
    const anon = admin.withKey(undefined);
    const doc = await anon.get<{ paths: Record<string, Record<string, { security?: unknown[] }>> }>(
      '/docs/json',
    );
    const encodings = [
      (path: string) => path,
      (path: string) => path.replace('/api/', '/%61pi/'),
      (path: string) => path.replace('/api/v1/', '/%61%70%69/%761/'),
    ];
    let probed = 0;
    const open: string[] = [];
    for (const [template, methods] of Object.entries(doc.body.paths)) {
      if (!template.startsWith('/api/')) continue;
      const path = template.replace(/\{[^}]+\}/g, instanceA.id);
      for (const [method, operation] of Object.entries(methods).map(
        ([m, op]) => [m.toUpperCase(), op] as const,
      )) {
        // an operation documented as needing no key (signing in) is listed, and only those may be
        if (operation.security?.length === 0) {
          open.push(`${method} ${template}`);
          continue;
        }
        for (const encode of encodings) {
          const body = method === 'GET' || method === 'DELETE' ? undefined : {};
          const res = await anon.request<{ error: { code: string } }>(method, encode(path), body);
          expect(res.status, `${method} ${encode(path)}`).toBe(401);
          expect(res.body.error.code).toBe('ZG_ERR_UNAUTHORIZED');
          probed++;
        }
      }
    }
    expect(probed).toBeGreaterThan(60);
    expect(open.sort()).toEqual([
      'GET /api/v1/auth/session',
      'POST /api/v1/auth/login',
      'POST /api/v1/auth/logout',
    ]);
  });

  it('deletes a tenant with its instances', async () => {
    const res = await admin.delete(`/api/v1/tenants/${tenantAId}`);
    expect(res.status).toBe(204);
    expect((await admin.get(`/api/v1/instances/${instanceA.id}`)).status).toBe(404);
    expect((await tenantA.get('/api/v1/instances')).status).toBe(401);
  });
});

describe('slow clients', () => {
  it('closes a connection whose request is not in by REQUEST_TIMEOUT_MS, but no open stream', async () => {
    const stream = new SseReader(`${admin.baseUrl}/api/v1/events`, ADMIN_KEY);
    await eventually('the stream to open', () => stream.status === 200);
    const body = 'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name": "sl';
    const partial = [
      `POST /api/v1/instances HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${ADMIN_KEY}\r\n${body}`,
      `POST /api/v1/instances HTTP/1.1\r\nHost: gw\r\n${body}`,
      'GET /health HTTP/1.1\r\nHost: gw\r\n',
    ];
    // each sends part of a request, then nothing: closed by the gateway, not by this test
    await sendAndStall(gw.port, partial);
    // opened before them, so open for longer than the timeout
    expect(stream.ended).toBe(false);
    stream.close();
  });
});

// last: the bursts use up this address's budget of failed keys for the minute
describe('rate limits', () => {
  type Coded = { error: { code: string; message: string } };
  const expectLimited = (answers: ApiResponse<Coded>[]) => {
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]?.body.error.code).toBe('ZG_ERR_RATE_LIMITED');
    expect(Number(limited[0]?.headers.get('retry-after'))).toBeGreaterThan(0);
  };

  it('meets a burst of wrong keys with 429s within AUTH_FAILURES_PER_MINUTE; a valid key keeps working', async () => {
    const answers = await burst<Coded>(admin.withKey('zg_wrong_key_of_a_burst'), '/api/v1/instances', 400);
    expect(answers.filter((a) => a.status === 401).length).toBeLessThanOrEqual(300);
    expectLimited(answers);
    expect((await tenantB.get('/api/v1/instances')).status).toBe(200);
    expect((await admin.get('/api/v1/instances')).status).toBe(200);
  });

  it('holds each tenant key to RATE_LIMIT_PER_MINUTE, and not the others', async () => {
    const d = await admin.post<Issued>('/api/v1/tenants', { name: 'Tenant D' });
    const answers = await burst<Coded>(admin.withKey(d.body.apiKey.key), '/api/v1/instances', 550);
    expect(answers.filter((a) => a.status === 200).length).toBeLessThanOrEqual(500);
    expectLimited(answers);
    expect((await tenantB.get('/api/v1/instances')).status).toBe(200);
  });

  it('refuses a stream or socket past MAX_STREAMS_PER_KEY with a 429', async () => {
    const key = tenantB.key ?? '';
    const streams = Array.from({ length: 3 }, () => new SseReader(`${admin.baseUrl}/api/v1/events`, key));
    await eventually('three streams to open', () => streams.every((s) => s.status === 200));
    const fourth = await tenantB.get<Coded>('/api/v1/events');
    expect(fourth.status).toBe(429);
    expect(fourth.body.error.code).toBe('ZG_ERR_RATE_LIMITED');
    const socket = gatewaySocket(admin.baseUrl, key);
    const error = await new Promise<Error>((resolve) => socket.on('connect_error', resolve));
    expect(error.message).toMatch(/RATE_LIMITED/);
    socket.close();
    for (const s of streams) s.close();
    await Promise.all(streams.map((s) => s.done));
    // the admin key has streams of its own
    const own = new SseReader(`${admin.baseUrl}/api/v1/events`, ADMIN_KEY);
    await eventually('the admin stream to open', () => own.status);
    expect(own.status).toBe(200);
    own.close();
  });
});
