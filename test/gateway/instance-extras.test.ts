import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceJson } from '../support/gateway-harness.ts';
import type { ApiClient } from '../support/http-client.ts';
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
      const names = (await tenant.get<Labelled[]>('/api/v1/instances')).body.map((i) => i.name);
      expect(names).not.toContain('too-heavy');
      expect(names).not.toContain('too-wide');
      expect(names).not.toContain('listy');
    });

    it('lists by label, scoped to the tenant', async () => {
      for (const name of ['team-a1', 'team-a2'])
        await tenant.post('/api/v1/instances', { name, start: false, label: 'team-a' });
      await tenant.post('/api/v1/instances', { name: 'team-b1', start: false, label: 'team-b' });
      await linked.api.post('/api/v1/instances', { name: 'admin-a', start: false, label: 'team-a' });
      const mine = await tenant.get<Labelled[]>('/api/v1/instances?label=team-a');
      expect(mine.status).toBe(200);
      expect(mine.body.map((i) => i.name)).toEqual(['team-a1', 'team-a2']);
      const everyone = await linked.api.get<Labelled[]>('/api/v1/instances?label=team-a');
      expect(everyone.body.map((i) => i.name)).toEqual(['team-a1', 'team-a2', 'admin-a']);
      const none = await tenant.get<Labelled[]>('/api/v1/instances?label=nobody');
      expect(none.body).toEqual([]);
      expect((await tenant.get('/api/v1/instances?label=')).status).toBe(400);
    });
  });
});
