import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventReceiver, startEventReceiver } from '../support/event-receiver.ts';
import { type InstanceJson, linkByQr } from '../support/gateway-harness.ts';
import { eventually } from '../support/http-client.ts';
import { pngBytes } from '../support/media-fixtures.ts';
import { type SandboxProcess, startSandboxProcess } from '../support/sandbox-process.ts';

type InboxMessage = { id: string; type: string; content: Record<string, unknown> };

const DEMO_PHONE = '15550001111';
const ANA = '15550002222';
const BRUNO = '15550003333';
const png = pngBytes(8_000);
let cwd: string;
let sandbox: SandboxProcess;
let receiver: EventReceiver;
let media: Server;
let mediaUrl: string;

const simPost = async <T>(path: string, body: Record<string, unknown>): Promise<T> => {
  const res = await fetch(`${sandbox.simUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`simulator ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
};
const inboxOf = async (phone: string): Promise<InboxMessage[]> =>
  (await fetch(`${sandbox.simUrl}/contacts/${phone}/messages`).then((r) => r.json())) as InboxMessage[];
const arrives = (phone: string, waId: string) =>
  eventually(`${waId} in the inbox of ${phone}`, async () =>
    (await inboxOf(phone)).find((m) => m.id === waId),
  );

/** The commands the sandbox printed under its quick start, as one would paste them. */
function pastedQuickStart(output: string): string {
  const block = output.slice(output.indexOf('Copy and paste:')).split('\n\n')[0] ?? '';
  return block
    .split('\n')
    .slice(1)
    .map((line) => line.replace(/^ {2}/, ''))
    .join('\n');
}

const runShell = (script: string) =>
  new Promise<string>((resolveRun, reject) => {
    execFile('sh', ['-e', '-c', script], { cwd, timeout: 60_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stdout}\n${stderr}`)) : resolveRun(stdout),
    );
  });

beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), 'zg-sandbox-play-'));
  receiver = await startEventReceiver();
  media = createServer((req, res) => {
    if (req.url === '/pic.png') res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => media.listen(0, '127.0.0.1', r));
  mediaUrl = `http://127.0.0.1:${(media.address() as AddressInfo).port}`;
  sandbox = await startSandboxProcess({ cwd, generatedKey: true });
});

afterAll(async () => {
  await sandbox?.stop();
  await receiver?.close();
  media?.close();
  rmSync(cwd, { recursive: true, force: true });
});

describe('zapgate sandbox as a place to play', () => {
  it('allows private URLs, says so, and delivers a webhook to 127.0.0.1 and media from 127.0.0.1', async () => {
    expect(sandbox.output()).toContain('Private URLs allowed');
    const hook = await sandbox.api.post<{ id: string }>('/api/v1/webhooks', {
      url: receiver.url,
      events: ['message.received'],
    });
    expect(hook.status).toBe(201);
    const { phone } = await simPost<{ phone: string }>('/accounts', { name: 'Play phone' });
    const { phone: contact } = await simPost<{ phone: string }>('/contacts', { name: 'Play contact' });
    const created = await sandbox.api.post<InstanceJson>('/api/v1/instances', { name: 'private-urls' });
    await linkByQr(sandbox.api, sandbox.simUrl, created.body.id, phone);

    const { id } = await simPost<{ id: string }>(`/contacts/${contact}/messages`, {
      to: phone,
      type: 'text',
      text: 'hi',
    });
    const event = await eventually('message.received at the local receiver', () =>
      receiver.events.find((e) => e.event === 'message.received' && e.data.waMessageId === id),
    );
    expect(event.instance.name).toBe('private-urls');

    const sent = await sandbox.api.post<{ waMessageId: string }>('/api/v1/instances/private-urls/messages', {
      to: contact,
      type: 'image',
      url: `${mediaUrl}/pic.png`,
    });
    expect(sent.status).toBe(202);
    expect((await arrives(contact, sent.body.waMessageId)).type).toBe('image');
  });

  it('creates a demo phone and two demo contacts, and prints commands that work as pasted', async () => {
    const output = sandbox.output();
    for (const phone of [DEMO_PHONE, ANA, BRUNO]) expect(output).toContain(phone);
    const script = pastedQuickStart(output);
    expect(script).toContain(`SIM=${sandbox.simUrl}`);
    expect(script).toContain(`GW=${sandbox.url}/api/v1`);
    expect(script).not.toContain(sandbox.api.key ?? 'no key');
    await runShell(script);
    // the last command, pasted again until the text is there (the contact decrypts it a moment later)
    const lines = script.split('\n');
    const seeIt = [lines.find((l) => l.startsWith('KEY=')), lines.findLast((l) => l.startsWith('curl'))].join(
      '\n',
    );
    const inbox = await eventually("the text in the demo contact's inbox", async () => {
      const seen = JSON.parse(await runShell(seeIt)) as InboxMessage[];
      return seen.length > 0 && seen;
    });
    expect(inbox).toEqual([
      expect.objectContaining({
        type: 'text',
        content: expect.objectContaining({ text: 'Hello from the sandbox' }),
      }),
    ]);
    const demo = await sandbox.api.get<InstanceJson>('/api/v1/instances/demo');
    expect(demo.body).toMatchObject({ status: 'connected', phone: DEMO_PHONE });
    expect(await inboxOf(BRUNO)).toEqual([]);

    // the scan route is tenant-scoped, and refuses an instance that is linked already
    const tenant = await sandbox.api.post<{ apiKey: { key: string } }>('/api/v1/tenants', { name: 'Other' });
    const other = sandbox.api.withKey(tenant.body.apiKey.key);
    const foreign = await other.post<{ error: { code: string } }>('/api/v1/instances/demo/sandbox-scan');
    expect([foreign.status, foreign.body.error.code]).toEqual([404, 'ZG_ERR_NOT_FOUND']);
    const again = await sandbox.api.post<{ error: { code: string } }>('/api/v1/instances/demo/sandbox-scan');
    expect([again.status, again.body.error.code]).toEqual([409, 'ZG_ERR_ALREADY_CONNECTED']);
    const bad = await sandbox.api.post<{ error: { code: string } }>('/api/v1/instances/demo/sandbox-scan', {
      phone: 'not a phone',
    });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'ZG_ERR_VALIDATION']);
    const info = await other.get<{ sandbox: boolean; phone: string }>('/api/v1/sandbox');
    expect(info.body).toMatchObject({ sandbox: true, phone: DEMO_PHONE });
  });

  it('keeps its links across a restart: the demo instance connects again without a QR code and texts the demo contact', async () => {
    const devicesBefore = await fetch(`${sandbox.simUrl}/accounts/${DEMO_PHONE}/devices`).then((r) =>
      r.json(),
    );
    await sandbox.stop();
    sandbox = await startSandboxProcess({ cwd, generatedKey: true });

    // nobody scans anything here: connecting again can only come from the kept link
    const demo = await eventually('the demo instance to connect again', async () => {
      const res = await sandbox.api.get<InstanceJson>('/api/v1/instances/demo');
      return res.body.status === 'connected' ? res.body : undefined;
    });
    expect(demo.phone).toBe(DEMO_PHONE);
    const devicesAfter = await fetch(`${sandbox.simUrl}/accounts/${DEMO_PHONE}/devices`).then((r) =>
      r.json(),
    );
    expect((devicesAfter as Array<{ id: number }>).map((d) => d.id)).toEqual(
      (devicesBefore as Array<{ id: number }>).map((d) => d.id),
    );
    const sent = await sandbox.api.post<{ waMessageId: string }>('/api/v1/instances/demo/messages', {
      to: ANA,
      type: 'text',
      text: 'still linked',
    });
    expect(sent.status).toBe(202);
    expect((await arrives(ANA, sent.body.waMessageId)).content).toMatchObject({ text: 'still linked' });
    const { id } = await simPost<{ id: string }>(`/contacts/${BRUNO}/messages`, {
      to: DEMO_PHONE,
      type: 'text',
      text: 'hello after the restart',
    });
    await eventually("the instance to receive the demo contact's text", async () => {
      const page = await sandbox.api.get<{ items: Array<{ waMessageId: string }> }>(
        '/api/v1/instances/demo/messages?direction=inbound',
      );
      return page.body.items.find((m) => m.waMessageId === id);
    });
  });
});
