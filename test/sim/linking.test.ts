import { Curve, DisconnectReason, type proto } from 'baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimClient } from '../support/sim-client.ts';
import { SimFixture } from '../support/sim-fixture.ts';

let fx: SimFixture;
beforeAll(async () => {
  fx = await SimFixture.start();
});
afterAll(() => fx.close());

describe('linking a real Baileys client', () => {
  it('links by QR: pair-success, 515 restart, login, open, with the phone number and LID', async () => {
    const { client, phone } = await fx.linkedClient({ name: 'QR Tester' });
    expect(client.phone).toBe(phone);
    expect(client.closes).toContain(DisconnectReason.restartRequired);
    expect(client.sock.user?.lid).toMatch(/^\d+:1@lid$/);
    const devices = fx.api.devices(phone);
    expect(devices).toEqual([expect.objectContaining({ id: 1, online: true, pushName: expect.any(String) })]);
  });

  it('links by pairing code typed on the phone', async () => {
    const { phone } = fx.api.createAccount({ name: 'Code Phone' });
    const client = fx.client({ name: 'Code Tester' }).connect();
    await client.waitForQr();
    const code = await client.sock.requestPairingCode(phone);
    expect(code).toMatch(/^[0-9A-Z]{8}$/);
    const linked = await fx.api.linkCode(phone, code);
    expect(linked.jid).toBe(`${phone}:1@s.whatsapp.net`);
    await client.waitForOpen(1);
    expect(client.phone).toBe(phone);
  });

  it('refuses a wrong pairing code', async () => {
    const { phone } = fx.api.createAccount({});
    const client = fx.client().connect();
    await client.waitForQr();
    const code = await client.sock.requestPairingCode(phone);
    const wrong = code.startsWith('A') ? `B${code.slice(1)}` : `A${code.slice(1)}`;
    await expect(fx.api.linkCode(phone, wrong)).rejects.toMatchObject({ status: 400 });
    expect(fx.api.devices(phone)).toEqual([]);
    client.end();
  });

  it('logs in again from saved credentials without a QR', async () => {
    const { client, phone } = await fx.linkedClient();
    const saved = client.auth.snapshot();
    client.end();
    await client.waitFor('the device to go offline', () => fx.api.devices(phone).every((d) => !d.online));
    const again = fx
      .client({ auth: (await import('../support/memory-auth.ts')).MemoryAuth.fromSnapshot(saved) })
      .connect();
    await again.waitForOpen(1);
    expect(again.lastQr).toBeUndefined();
    expect(again.phone).toBe(phone);
  });

  it('answers 401 when the phone logs the device out, and to an unlinked device', async () => {
    const { client, phone } = await fx.linkedClient();
    const saved = client.auth.snapshot();
    expect(fx.api.logout(phone)).toEqual({ removed: [1] });
    await client.waitForClose(DisconnectReason.loggedOut);
    const { MemoryAuth } = await import('../support/memory-auth.ts');
    const stale = fx.client({ auth: MemoryAuth.fromSnapshot(saved) }).connect();
    await stale.waitForClose(DisconnectReason.loggedOut);
    expect(stale.opens).toBe(0);
  });

  it('replaces the older connection with 440 when the same device connects twice', async () => {
    const { client } = await fx.linkedClient();
    const { MemoryAuth } = await import('../support/memory-auth.ts');
    const twin = fx.client({ auth: MemoryAuth.fromSnapshot(client.auth.snapshot()) }).connect();
    await twin.waitForOpen(1);
    await client.waitForClose(DisconnectReason.connectionReplaced);
    expect(twin.isOpen).toBe(true);
  });

  it('sends a pair-success with a bad account signature on demand', async () => {
    const { phone } = fx.api.createAccount({});
    fx.api.fault({ phone, kind: 'bad-pair-signature' });
    const client = fx.client().connect();
    fx.api.linkQr(phone, await client.waitForQr());
    await client.waitFor('the pair-success', () => client.auth.state.creds.account);
    const account = client.auth.state.creds.account as proto.IADVSignedDeviceIdentity;
    const message = Buffer.concat([
      Buffer.from([6, 0]),
      Buffer.from(account.details ?? []),
      Buffer.from(client.auth.state.creds.signedIdentityKey.public),
    ]);
    // Stock Baileys accepts it (its verify only fails on a throw): the gateway must check it itself.
    const libsignalCurve = (await import('libsignal/src/curve.js')) as unknown as {
      verifySignature(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean;
    };
    const pub = Buffer.concat([Buffer.from([5]), Buffer.from(account.accountSignatureKey ?? [])]);
    expect(libsignalCurve.verifySignature(pub, message, Buffer.from(account.accountSignature ?? []))).toBe(
      false,
    );
    expect(
      Curve.verify(
        account.accountSignatureKey ?? new Uint8Array(),
        message,
        account.accountSignature ?? new Uint8Array(),
      ),
    ).toBe(true);
    client.end();
  });

  it('links through the mock-phone convention of Baileys e2e tests, a phone per push name', async () => {
    const client = new SimClient(fx.sim.info, { name: 'Mock Phone Tester' });
    fx.clients.push(client);
    client.connect();
    const qr = await client.waitForQr();
    const url = fx.sim.info.wsUrl
      .replace('ws://', 'http://')
      .replace('/ws/chat', '/admin/mock-phone/scan-qr');
    const res = await fetch(url, { method: 'POST', body: qr });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { phone: string };
    await client.waitForOpen(1);
    expect(client.phone).toBe(body.phone);
  });
});
