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

beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), 'zg-sandbox-play-'));
  receiver = await startEventReceiver();
  media = createServer((req, res) => {
    if (req.url === '/pic.png') res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => media.listen(0, '127.0.0.1', r));
  mediaUrl = `http://127.0.0.1:${(media.address() as AddressInfo).port}`;
  sandbox = await startSandboxProcess({ cwd });
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
});
