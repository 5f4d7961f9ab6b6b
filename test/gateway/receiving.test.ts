import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../sim/simulator.ts';
import type { GatewayProcess, InstanceJson } from '../support/gateway-harness.ts';
import { eventually, SseReader } from '../support/http-client.ts';
import { type LinkedGateway, startLinkedGateway } from '../support/linked-gateway.ts';
import { SimClient } from '../support/sim-client.ts';

type Row = {
  id: string;
  waMessageId: string;
  direction: string;
  chat: string;
  type: string;
  status: string;
  content: Record<string, unknown>;
};

let linked: LinkedGateway | undefined;
let sim: RunningSimulator;
let gw: GatewayProcess;
let phone: string;
let contact: string;
let sse: SseReader;

const inboundRow = (waId: string) =>
  eventually(`inbound ${waId} in the history`, async () => {
    const res = await gw.api.get<Row>(`/api/v1/instances/desk/messages/${waId}`);
    return res.status === 200 ? res.body : undefined;
  });

beforeAll(async () => {
  linked = await startLinkedGateway({ name: 'desk' });
  ({ sim, gw, phone } = linked);
  contact = sim.api.createContact({ name: 'Visitor' }).phone;
  sse = new SseReader(`${gw.api.baseUrl}/api/v1/instances/desk/events`, gw.api.key ?? '');
});
afterAll(async () => {
  sse?.close();
  await linked?.close();
});

describe('receiving into the history', () => {
  it('stores what contacts send, with the sender phone number, and announces it live', async () => {
    const text = await sim.api.contactSend(contact, { to: phone, type: 'text', text: 'hello desk' });
    const row = await inboundRow(text.id);
    expect(row).toMatchObject({
      direction: 'inbound',
      status: 'received',
      type: 'text',
      chat: `${contact}@s.whatsapp.net`,
    });
    expect(row.content).toMatchObject({
      text: 'hello desk',
      sender: { phone: contact, pushName: 'Visitor' },
    });
    const event = await eventually('message.received on the stream', () =>
      sse.events.find(
        (e) =>
          e.event === 'message.received' && (e.data.data as { waMessageId: string }).waMessageId === text.id,
      ),
    );
    // one shape: the event carries the message exactly as the history shows it
    expect(event.data.data).toEqual(row);

    const picture = randomBytes(2000);
    const image = await sim.api.contactSend(contact, {
      to: phone,
      type: 'image',
      data: picture.toString('base64'),
      caption: 'look',
      replyTo: text.id,
    });
    expect((await inboundRow(image.id)).content).toMatchObject({
      caption: 'look',
      replyTo: text.id,
      mimetype: 'image/jpeg',
    });
    // the media is downloaded at receipt, kept with the message, and byte-identical
    const media = await gw.api.get(`/api/v1/instances/desk/messages/${image.id}/media`);
    expect(media.status).toBe(200);
    expect(media.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(media.body as unknown as Buffer).equals(picture)).toBe(true);
    const noMedia = await gw.api.get<{ error: { code: string } }>(
      `/api/v1/instances/desk/messages/${text.id}/media`,
    );
    expect(noMedia.body.error.code).toBe('ZG_ERR_NOT_FOUND');
    const place = await sim.api.contactSend(contact, {
      to: phone,
      type: 'location',
      latitude: 1.5,
      longitude: 2.5,
    });
    expect((await inboundRow(place.id)).content).toMatchObject({ latitude: 1.5, longitude: 2.5 });
    const poll = await sim.api.contactSend(contact, {
      to: phone,
      type: 'poll',
      name: 'Tea?',
      options: ['Yes', 'No'],
      selectableCount: 1,
    });
    expect((await inboundRow(poll.id)).content).toMatchObject({ name: 'Tea?', options: ['Yes', 'No'] });
  });

  it('applies edits and revokes to the stored message, and records reactions to ours', async () => {
    const original = await sim.api.contactSend(contact, { to: phone, type: 'text', text: 'typo' });
    const row = await inboundRow(original.id);
    await sim.api.contactSend(contact, { to: phone, type: 'edit', messageId: original.id, text: 'fixed' });
    await eventually('the edit', async () =>
      (await inboundRow(original.id)).content.text === 'fixed' ? true : undefined,
    );
    expect((await inboundRow(original.id)).content.edited).toBe(true);
    await sim.api.contactSend(contact, { to: phone, type: 'revoke', messageId: original.id });
    await eventually('the revoke', async () => (await inboundRow(original.id)).content.revoked === true);
    expect(row.id).toBe((await inboundRow(original.id)).id);

    const mine = await gw.api.request<{ id: string; waMessageId: string }>(
      'POST',
      '/api/v1/instances/desk/messages?wait=sent',
      { to: contact, type: 'text', text: 'react to me' },
    );
    const reaction = await sim.api.contactSend(contact, {
      to: phone,
      type: 'reaction',
      messageId: mine.body.waMessageId,
      emoji: '🎉',
    });
    expect((await inboundRow(reaction.id)).content).toMatchObject({
      messageId: mine.body.waMessageId,
      emoji: '🎉',
    });
    await eventually('message.reaction on the stream', () =>
      sse.events.find((e) => e.event === 'message.reaction'),
    );
  });

  it('announces group changes and presences from another account', async () => {
    const other = sim.api.createAccount({ name: 'Organiser' });
    const client = new SimClient(sim.info, { name: 'Organiser' }).connect();
    try {
      sim.api.linkQr(other.phone, await client.waitForQr());
      await client.waitForOpen(1);
      const group = await client.sock.groupCreate('Team', [`${phone}@s.whatsapp.net`]);
      await client.sock.groupParticipantsUpdate(group.id, [`${phone}@s.whatsapp.net`], 'remove');
      const removed = await eventually('group.update remove', () =>
        sse.events.find(
          (e) => e.event === 'group.update' && (e.data.data as { action: string }).action === 'remove',
        ),
      );
      expect(removed.data.data).toMatchObject({
        groupJid: group.id,
        participants: [expect.stringContaining(phone)],
      });
      await client.sock.sendPresenceUpdate('composing', `${phone}@s.whatsapp.net`);
      await eventually('presence.update', () => sse.events.find((e) => e.event === 'presence.update'));
    } finally {
      client.end();
    }
  });

  it('filters and pages the history by direction and chat', async () => {
    const other = sim.api.createContact({}).phone;
    for (let i = 0; i < 3; i++)
      await sim.api.contactSend(other, { to: phone, type: 'text', text: `other ${i}` });
    await eventually('three from the other contact', async () => {
      const res = await gw.api.get<{ items: Row[] }>(
        `/api/v1/instances/desk/messages?chat=${other}&direction=inbound`,
      );
      return res.body.items.length === 3;
    });
    const page1 = await gw.api.get<{ items: Row[]; nextCursor: string | null }>(
      `/api/v1/instances/desk/messages?chat=${other}&limit=2`,
    );
    expect(page1.body.items.map((m) => m.content.text)).toEqual(['other 2', 'other 1']);
    const page2 = await gw.api.get<{ items: Row[]; nextCursor: string | null }>(
      `/api/v1/instances/desk/messages?chat=${other}&limit=2&cursor=${page1.body.nextCursor}`,
    );
    expect(page2.body.items.map((m) => m.content.text)).toEqual(['other 0']);
    expect(page2.body.nextCursor).toBeNull();
    const outbound = await gw.api.get<{ items: Row[] }>('/api/v1/instances/desk/messages?direction=outbound');
    expect(outbound.body.items.every((m) => m.direction === 'outbound')).toBe(true);
    const cleared = await gw.api.delete<{ deleted: number }>('/api/v1/instances/desk/messages');
    expect(cleared.body.deleted).toBeGreaterThan(5);
    expect((await gw.api.get<{ items: Row[] }>('/api/v1/instances/desk/messages')).body.items).toEqual([]);
  });

  it('names a renamed instance in the events of its open connection', async () => {
    const id = (await gw.api.get<InstanceJson>('/api/v1/instances/desk')).body.id;
    await gw.api.patch(`/api/v1/instances/${id}`, { name: 'front-desk' });
    try {
      const text = await sim.api.contactSend(contact, { to: phone, type: 'text', text: 'after the rename' });
      const sent = await gw.api.post<{ id: string }>(`/api/v1/instances/${id}/messages`, {
        to: contact,
        type: 'text',
        text: 'renamed reply',
      });
      const nameOf = (event: string, match: (data: Record<string, unknown>) => boolean) =>
        eventually(`${event} on the stream`, () =>
          sse.events.find((e) => e.event === event && match(e.data.data as Record<string, unknown>)),
        ).then((e) => (e.data.instance as { name: string }).name);
      expect(await nameOf('message.received', (d) => d.waMessageId === text.id)).toBe('front-desk');
      // the first status event of the send: 'sent', or 'delivered' when the receipt beat the ack
      expect(await nameOf('message.status', (d) => d.id === sent.body.id)).toBe('front-desk');
    } finally {
      await gw.api.patch(`/api/v1/instances/${id}`, { name: 'desk' });
    }
  });
});
