import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InstanceJson, waitForStatus } from '../support/gateway-harness.ts';
import { type ApiClient, eventually } from '../support/http-client.ts';
import { type LinkedGateway, startLinkedGateway } from '../support/linked-gateway.ts';

type Issued = { tenant: { id: string }; apiKey: { key: string } };
type Labelled = InstanceJson & { label: string | null; metadata: Record<string, unknown> };
type Failure = { error: { code: string; message: string; details?: Record<string, unknown> } };

/** Smaller gaps an operator would notice (issue 14): one linked gateway for the whole file. */
describe('instance extras', () => {
  let linked: LinkedGateway;
  let tenant: ApiClient;

  beforeAll(async () => {
    linked = await startLinkedGateway({ name: 'extras' });
    const issued = await linked.api.post<Issued>('/api/v1/tenants', { name: 'Labels Inc' });
    tenant = linked.api.withKey(issued.body.apiKey.key);
  });
  afterAll(async () => {
    await linked?.close();
  });

  describe('label and metadata', () => {
    it('are kept on create, returned in the JSON, changed and cleared by PATCH', async () => {
      const metadata = { crmAccount: 'ACME-042', seats: 3, tags: ['vip'] };
      const created = await tenant.post<Labelled>('/api/v1/instances', {
        name: 'labelled',
        start: false,
        label: 'store-sp',
        metadata,
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ label: 'store-sp', metadata });
      const read = await tenant.get<Labelled>('/api/v1/instances/labelled');
      expect(read.body).toMatchObject({ label: 'store-sp', metadata });

      const patched = await tenant.patch<Labelled>('/api/v1/instances/labelled', {
        label: 'store-rj',
        metadata: { crmAccount: 'ACME-043' },
      });
      expect(patched.status).toBe(200);
      // metadata is replaced whole, not merged
      expect(patched.body).toMatchObject({ label: 'store-rj', metadata: { crmAccount: 'ACME-043' } });
      const renamed = await tenant.patch<Labelled>('/api/v1/instances/labelled', { name: 'labelled-2' });
      expect(renamed.body).toMatchObject({ label: 'store-rj', metadata: { crmAccount: 'ACME-043' } });
      const cleared = await tenant.patch<Labelled>('/api/v1/instances/labelled-2', {
        label: null,
        metadata: null,
      });
      expect(cleared.body).toMatchObject({ label: null, metadata: {} });
      const bare = await linked.api.get<Labelled>(`/api/v1/instances/${linked.instance.id}`);
      expect(bare.body).toMatchObject({ label: null, metadata: {} });
    });

    it('refuses a label over 100 characters and metadata over 4 KiB with a coded 400', async () => {
      const long = await tenant.post<Failure>('/api/v1/instances', {
        name: 'too-long',
        label: 'x'.repeat(101),
      });
      expect(long.status).toBe(400);
      expect(long.body.error.code).toBe('ZG_ERR_VALIDATION');
      const big = { blob: 'y'.repeat(4_100) };
      const heavy = await tenant.post<Failure>('/api/v1/instances', { name: 'too-heavy', metadata: big });
      expect(heavy.status).toBe(400);
      expect(heavy.body.error).toMatchObject({ code: 'ZG_ERR_VALIDATION', details: { field: 'metadata' } });
      expect(heavy.body.error.message).toMatch(/4096/);
      // multi-byte text counts in bytes: 1,400 characters of 3 bytes each are over the bound
      const wide = await tenant.post<Failure>('/api/v1/instances', {
        name: 'too-wide',
        metadata: { text: '€'.repeat(1_400) },
      });
      expect(wide.status).toBe(400);
      const notObject = await tenant.post<Failure>('/api/v1/instances', { name: 'listy', metadata: [1, 2] });
      expect(notObject.status).toBe(400);
      const patchHeavy = await linked.api.patch<Failure>(`/api/v1/instances/${linked.instance.id}`, {
        metadata: big,
      });
      expect(patchHeavy.status).toBe(400);
      const names = (await tenant.get<{ items: Labelled[] }>('/api/v1/instances')).body.items.map(
        (i) => i.name,
      );
      expect(names).not.toContain('too-heavy');
      expect(names).not.toContain('too-wide');
      expect(names).not.toContain('listy');
    });

    it('lists by label, scoped to the tenant', async () => {
      for (const name of ['team-a1', 'team-a2'])
        await tenant.post('/api/v1/instances', { name, start: false, label: 'team-a' });
      await tenant.post('/api/v1/instances', { name: 'team-b1', start: false, label: 'team-b' });
      await linked.api.post('/api/v1/instances', { name: 'admin-a', start: false, label: 'team-a' });
      type List = { items: Labelled[]; nextCursor: string | null };
      const mine = await tenant.get<List>('/api/v1/instances?label=team-a');
      expect(mine.status).toBe(200);
      expect(mine.body.items.map((i) => i.name)).toEqual(['team-a1', 'team-a2']);
      const everyone = await linked.api.get<List>('/api/v1/instances?label=team-a');
      expect(everyone.body.items.map((i) => i.name)).toEqual(['team-a1', 'team-a2', 'admin-a']);
      const none = await tenant.get<List>('/api/v1/instances?label=nobody');
      expect(none.body).toEqual({ items: [], nextCursor: null });
      expect((await tenant.get('/api/v1/instances?label=')).status).toBe(400);
    });
  });

  describe('health, refusals and methods', () => {
    it('/health carries the time and the uptime', async () => {
      const before = Date.now();
      const res = await linked.api.withKey(undefined).get<Record<string, unknown>>('/health');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'ok' });
      const at = Date.parse(String(res.body.timestamp));
      expect(at).toBeGreaterThanOrEqual(before - 1_000);
      expect(at).toBeLessThanOrEqual(Date.now() + 1_000);
      expect(res.body.timestamp).toBe(new Date(at).toISOString());
      expect(res.body.uptimeSeconds).toBeGreaterThan(0);
    });

    it('says a recipient is not on WhatsApp when WhatsApp refuses a send with 479', async () => {
      const res = await linked.api.post<Failure>(
        `/api/v1/instances/${linked.instance.id}/messages?wait=sent`,
        { to: '19990001234', type: 'text', text: 'anyone there?' },
      );
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('ZG_ERR_WA_479');
      expect(res.body.error.message).toMatch(/not on WhatsApp/);
      const stored = await linked.api.get<{ error: { code: string; message: string } }>(
        `/api/v1/instances/${linked.instance.id}/messages/${String(res.body.error.details?.id)}`,
      );
      expect(stored.body.error).toMatchObject({ code: 'ZG_ERR_WA_479' });
      expect(stored.body.error.message).toMatch(/not on WhatsApp/);
    });

    it('answers a wrong method on a known path 405 with Allow and a coded body; an unknown path stays 404', async () => {
      const anon = linked.api.withKey(undefined);
      const cases: Array<[ApiClient, string, string, string[]]> = [
        [linked.api, 'DELETE', '/api/v1/instances', ['GET', 'HEAD', 'POST']],
        [anon, 'PUT', '/health', ['GET', 'HEAD']],
        [linked.api, 'PUT', `/api/v1/instances/${linked.instance.id}`, ['DELETE', 'GET', 'HEAD', 'PATCH']],
        [linked.api, 'GET', `/api/v1/instances/${linked.instance.id}/start`, ['POST']],
      ];
      for (const [client, method, path, allow] of cases) {
        const res = await client.request<Failure>(method, path);
        expect(res.status, `${method} ${path}`).toBe(405);
        expect(res.headers.get('allow')).toBe(allow.join(', '));
        expect(res.body.error.code).toBe('ZG_ERR_METHOD_NOT_ALLOWED');
        expect(res.body.error.details).toEqual({ allow });
      }
      const unknown = await linked.api.request<Failure>('DELETE', '/api/v1/instances/x/nothing-here');
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe('ZG_ERR_ROUTE_NOT_FOUND');
    });
  });

  describe('?wait=qr on create and start', () => {
    type Waited = Labelled & {
      link?: { outcome: string; qr: string | null; qrDataUrl: string | null };
    };

    it('answers a create with its first QR code, one the phone can scan', async () => {
      const { phone } = linked.sim.api.createAccount({ name: 'waiting' });
      const res = await linked.api.post<Waited>('/api/v1/instances?wait=qr', { name: 'waiting' });
      expect(res.status).toBe(201);
      expect(res.body.name).toBe('waiting');
      expect(res.body.link?.outcome).toBe('qr');
      expect(res.body.link?.qr).toEqual(expect.any(String));
      expect(res.body.link?.qrDataUrl).toMatch(/^data:image\/png;base64,/);
      const scan = await fetch(`${linked.sim.info.adminUrl}/accounts/${phone}/link-qr`, {
        method: 'POST',
        body: JSON.stringify({ qr: res.body.link?.qr }),
      });
      expect(scan.ok).toBe(true);
      await waitForStatus(linked.api, res.body.id, 'connected');
      // without ?wait the answer is the instance alone
      const plain = await linked.api.post<Waited>('/api/v1/instances', { name: 'plain', start: false });
      expect(plain.status).toBe(201);
      expect(plain.body.link).toBeUndefined();
    });

    it('answers a start of a linked number with the connected instance', async () => {
      const { id } = linked.instance;
      expect((await linked.api.post(`/api/v1/instances/${id}/stop`)).status).toBe(200);
      const res = await linked.api.post<Waited>(`/api/v1/instances/${id}/start?wait=qr&waitMs=30000`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id, status: 'connected' });
      expect(res.body.link).toEqual({ outcome: 'connected', qr: null, qrDataUrl: null });
    });

    it('bounds waitMs (past 60 s, or below 100 ms) and refuses to wait on an instance not started: coded 400s', async () => {
      const { id } = linked.instance;
      for (const waitMs of [60_001, 99, 'soon']) {
        const res = await linked.api.post<Failure>(`/api/v1/instances/${id}/start?wait=qr&waitMs=${waitMs}`);
        expect(res.status, String(waitMs)).toBe(400);
        expect(res.body.error.code).toBe('ZG_ERR_VALIDATION');
      }
      const other = await tenant.post<Failure>(`/api/v1/instances/${id}/start?wait=qr`);
      expect(other.status).toBe(404);
      const idle = await linked.api.post<Failure>('/api/v1/instances?wait=qr', {
        name: 'idle',
        start: false,
      });
      expect(idle.status).toBe(400);
      expect(idle.body.error.code).toBe('ZG_ERR_VALIDATION');
      expect((await linked.api.get('/api/v1/instances/idle')).status).toBe(404);
    });
  });

  describe('GET /api/v1/metrics', () => {
    type Summary = {
      messages: { failed: number; failedLast24h: number };
      latestMessages: Array<{ id: string; instanceId: string; status: string; errorCode: string | null }>;
      http: { samples: number; total: number; p50Ms: number; p95Ms: number; p99Ms: number };
    };

    it('adds failed in the last 24 h, the latest messages (tenant-scoped) and HTTP latency', async () => {
      const refused = await linked.api.post<{ id: string }>(
        `/api/v1/instances/${linked.instance.id}/messages`,
        {
          to: '19990004321',
          type: 'text',
          text: 'still nobody?',
        },
      );
      expect(refused.status).toBe(202);
      const admin = await eventually('the refusal to be counted', async () => {
        const res = await linked.api.get<Summary>('/api/v1/metrics');
        return res.body.latestMessages.some((m) => m.id === refused.body.id && m.status === 'failed')
          ? res.body
          : undefined;
      });
      // this send and the one refused with ?wait=sent above
      expect(admin.messages.failedLast24h).toBeGreaterThanOrEqual(2);
      expect(admin.latestMessages[0]).toMatchObject({
        id: refused.body.id,
        instanceId: linked.instance.id,
        errorCode: 'ZG_ERR_WA_479',
      });
      expect(admin.latestMessages.length).toBeLessThanOrEqual(10);
      expect(admin.http.samples).toBeGreaterThan(0);
      expect(admin.http.total).toBeGreaterThanOrEqual(admin.http.samples);
      expect(admin.http.p50Ms).toBeLessThanOrEqual(admin.http.p95Ms);
      expect(admin.http.p95Ms).toBeLessThanOrEqual(admin.http.p99Ms);

      const theirs = await tenant.get<Summary>('/api/v1/metrics');
      expect(theirs.status).toBe(200);
      expect(theirs.body.messages.failedLast24h).toBe(0);
      expect(theirs.body.latestMessages).toEqual([]);
      const one = await linked.api.get<Summary>(`/api/v1/metrics/instances/${linked.instance.id}`);
      expect(one.body.latestMessages[0]?.id).toBe(refused.body.id);
      expect(one.body.messages.failedLast24h).toBe(admin.messages.failedLast24h);
    });
  });
});
