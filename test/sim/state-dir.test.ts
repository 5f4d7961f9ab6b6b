import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { simulatorCommand } from '../../sim/child-process.ts';
import { startSimulator } from '../../sim/simulator.ts';
import { MemoryAuth } from '../support/memory-auth.ts';
import { SimFixture } from '../support/sim-fixture.ts';

const dirs: string[] = [];
const fixtures: SimFixture[] = [];
afterAll(async () => {
  for (const fx of fixtures) await fx.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const stateDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'zg-sim-state-'));
  dirs.push(dir);
  return dir;
};
const start = async (dir: string) => {
  const fx = await SimFixture.start({ stateDir: dir });
  fixtures.push(fx);
  return fx;
};

describe('the simulator with a state directory', () => {
  it('keeps its root key, accounts, linked devices, contacts and groups across a restart: the device logs in again and messages flow both ways', async () => {
    const dir = stateDir();
    const first = await start(dir);
    const { client, phone } = await first.linkedClient({ name: 'Kept Device' });
    const contact = first.api.createContact({ name: 'Kept Contact' });
    const contactJid = `${contact.phone}@s.whatsapp.net`;
    const before = await client.sock.sendMessage(contactJid, { text: 'before the restart' });
    await client.waitFor('the contact to decrypt it', () =>
      first.api.contactInbox(contact.phone).find((m) => m.id === before?.key.id),
    );
    const hello = await first.api.contactSend(contact.phone, { to: phone, type: 'text', text: 'hi' });
    await client.waitForMessage((m) => m.key.id === hello.id);
    const group = await client.sock.groupCreate('Kept group', [contactJid]);
    const inGroup = await client.sock.sendMessage(group.id, { text: 'to the group, before' });
    await client.waitFor('the contact to decrypt the group text', () =>
      first.api.contactInbox(contact.phone).find((m) => m.id === inGroup?.key.id && m.chat === group.id),
    );
    // a request to join, waiting for approval, is kept too
    await client.sock.groupJoinApprovalMode(group.id, 'on');
    const asker = first.api.createContact({ name: 'Asker' });
    first.api.groups.join(asker.phone, first.api.groups.state(group.id).inviteCode);
    const saved = client.auth.snapshot();
    client.end();
    await first.close();
    fixtures.splice(fixtures.indexOf(first), 1);

    const second = await start(dir);
    expect(second.sim.info.rootPublicKey).toBe(first.sim.info.rootPublicKey);
    expect(second.sim.info.wsUrl).not.toBe(first.sim.info.wsUrl);
    expect(second.api.devices(phone)).toEqual([expect.objectContaining({ id: 1, online: false })]);
    expect(second.api.contactInbox(contact.phone).map((m) => m.id)).toEqual([
      before?.key.id,
      inGroup?.key.id,
    ]);
    expect(second.api.groups.groupsOf(phone).map((g) => g.subject)).toEqual(['Kept group']);
    expect(second.api.groups.requests(group.id)).toEqual([
      expect.objectContaining({ phone: asker.phone, method: 'invite_link' }),
    ]);

    const again = second.client({ auth: MemoryAuth.fromSnapshot(saved) }).connect();
    await again.waitForOpen(1);
    expect(again.lastQr).toBeUndefined();
    expect(again.phone).toBe(phone);
    const after = await again.sock.sendMessage(contactJid, { text: 'after the restart' });
    const got = await again.waitFor('the contact to decrypt the text sent after the restart', () =>
      second.api.contactInbox(contact.phone).find((m) => m.id === after?.key.id),
    );
    expect(got.content).toMatchObject({ text: 'after the restart' });
    // the contact still holds the device's sender key: Baileys sends the group no new one
    const groupAfter = await again.sock.sendMessage(group.id, { text: 'to the group, after' });
    const groupGot = await again.waitFor('the contact to decrypt the group text sent after the restart', () =>
      second.api.contactInbox(contact.phone).find((m) => m.id === groupAfter?.key.id),
    );
    expect(groupGot.content).toMatchObject({ text: 'to the group, after' });
    const back = await second.api.contactSend(contact.phone, {
      to: phone,
      type: 'text',
      text: 'welcome back',
    });
    const reply = await again.waitForMessage((m) => m.key.id === back.id);
    expect(reply.message?.conversation).toBe('welcome back');
    // a new contact's LID never collides with a kept one
    const newcomer = second.api.createContact({});
    expect(newcomer.lid).not.toBe(contact.lid);
  });

  it('keeps profiles and its files owner-only, and refuses to start on a state file that is not its own', async () => {
    const dir = stateDir();
    const sim = await startSimulator({ stateDir: dir });
    const { phone } = sim.api.createContact({ name: 'Someone' });
    sim.api.profiles.change(phone, { about: 'Kept about', business: { description: 'A kept shop' } });
    await sim.close();
    const again = await startSimulator({ stateDir: dir });
    expect(again.api.profiles.view(phone)).toMatchObject({
      about: 'Kept about',
      business: expect.objectContaining({ description: 'A kept shop' }),
    });
    await again.close();
    expect(readdirSync(dir).sort()).toEqual(['network.json', 'root-key.json']);
    for (const file of readdirSync(dir)) expect(statSync(join(dir, file)).mode & 0o077).toBe(0);

    writeFileSync(join(dir, 'network.json'), '{"hello":"world"}');
    await expect(startSimulator({ stateDir: dir })).rejects.toThrow(/not a simulator state snapshot/);
  });

  it('is what the standalone simulator keeps with --state-dir', async () => {
    const dir = stateDir();
    const inProcess = await startSimulator({ stateDir: dir });
    const { phone } = inProcess.api.createAccount({});
    await inProcess.close();

    const { command, args, cwd } = simulatorCommand();
    const child = spawn(command, [...args, '--state-dir', dir], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const [line] = (await once(child.stdout, 'data')) as [Buffer];
      const info = JSON.parse(line.toString().split('\n')[0] ?? '') as {
        adminUrl: string;
        rootPublicKey: string;
      };
      expect(info.rootPublicKey).toBe(inProcess.info.rootPublicKey);
      const devices = await fetch(`${info.adminUrl}/accounts/${phone}/devices`);
      expect(devices.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it('keeps nothing without one', async () => {
    const sim = await startSimulator();
    const { phone } = sim.api.createAccount({});
    await sim.close();
    const next = await startSimulator();
    expect(() => next.api.devices(phone)).toThrow(/no account/);
    await next.close();
    expect(existsSync(join(process.cwd(), 'network.json'))).toBe(false);
  });
});
