import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InstanceJson, waitForStatus } from '../support/gateway-harness.ts';
import { type LinkedGateway, startLinkedGateway } from '../support/linked-gateway.ts';

type Code = { pairingCode: string; expiresAt: string };
type Logs = { items: Array<{ data: { status: string; reason: string } }> };

const TTL_MS = 4_000;

describe('pairing-code expiry', () => {
  let linked: LinkedGateway;
  let phone: string;
  let id: string;
  const typeCode = (code: string) =>
    fetch(`${linked.sim.info.adminUrl}/accounts/${phone}/link-code`, {
      method: 'POST',
      body: JSON.stringify({ code }),
    });
  const requestCode = async () => {
    const res = await linked.api.post<Code>(`/api/v1/instances/${id}/pairing-code`, { phoneNumber: phone });
    expect(res.status).toBe(200);
    return res.body;
  };

  beforeAll(async () => {
    linked = await startLinkedGateway({ name: 'host', env: { PAIRING_CODE_TTL_MS: String(TTL_MS) } });
    phone = linked.sim.api.createAccount({ name: 'Typist' }).phone;
    const created = await linked.api.post<InstanceJson>('/api/v1/instances', { name: 'typist' });
    id = created.body.id;
    await waitForStatus(linked.api, id, 'qr');
  });
  afterAll(async () => {
    await linked?.close();
  });

  it('shows the code and its expiry on the instance while pairing', async () => {
    const code = await requestCode();
    const requestedAt = Date.now();
    expect(new Date(code.expiresAt).getTime()).toBeGreaterThan(requestedAt);
    const instance = (await linked.api.get<InstanceJson>(`/api/v1/instances/${id}`)).body;
    expect(instance).toMatchObject({
      status: 'pairing',
      pairingCode: code.pairingCode,
      pairingExpiresAt: code.expiresAt,
    });
  });

  it('voids the code after its window: back to QR codes, and the old code no longer links', async () => {
    const { pairingCode } = (await linked.api.get<InstanceJson>(`/api/v1/instances/${id}`)).body;
    const expired = await waitForStatus(linked.api, id, 'qr', TTL_MS + 20_000);
    expect(expired).toMatchObject({ pairingCode: null, pairingExpiresAt: null });
    const logs = (await linked.api.get<Logs>(`/api/v1/instances/${id}/logs`)).body.items;
    expect(logs.map((e) => e.data.reason)).toContain('pairing code expired');
    const typed = await typeCode(String(pairingCode));
    expect(typed.ok).toBe(false);
    expect((await linked.api.get<InstanceJson>(`/api/v1/instances/${id}`)).body.status).toBe('qr');
  });

  it('gives a new code after it, which links', async () => {
    const fresh = await requestCode();
    const typed = await typeCode(fresh.pairingCode);
    expect(typed.status).toBe(200);
    const connected = await waitForStatus(linked.api, id, 'connected');
    expect(connected).toMatchObject({ phone, pairingCode: null, pairingExpiresAt: null });
  });
});
