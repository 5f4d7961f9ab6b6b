import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import type { ContractContext } from './fixture.ts';
import { unique } from './fixture.ts';
import { at, inbound, newMessage } from './message-fixture.ts';

const FIVE_MB = 5 * 1024 * 1024;

export function messageMediaContract(ctx: () => ContractContext): void {
  it('stores 5 MB of media byte for byte, overwrites it, and knows what is missing', async () => {
    const { messageMedia } = ctx().store;
    const messageId = unique('msg');
    const bytes = randomBytes(FIVE_MB);
    bytes[0] = 0;
    bytes[FIVE_MB - 1] = 0;
    await messageMedia.put(messageId, bytes);
    const read = await messageMedia.get(messageId);
    expect(Buffer.isBuffer(read)).toBe(true);
    expect(read?.length).toBe(FIVE_MB);
    expect(read?.equals(bytes)).toBe(true);
    const replacement = Buffer.from([0, 1, 2, 255, 0]);
    await messageMedia.put(messageId, replacement);
    expect(await messageMedia.get(messageId)).toEqual(replacement);
    await messageMedia.put(unique('msg'), Buffer.alloc(0));
    expect(await messageMedia.get(unique('missing'))).toBeUndefined();
  });

  it('deletes media by message ids', async () => {
    const { messageMedia } = ctx().store;
    const ids = Array.from({ length: 3 }, () => unique('msg'));
    for (const id of ids) await messageMedia.put(id, Buffer.from(id));
    const many = [
      ids[0] ?? '',
      ids[1] ?? '',
      ids[0] ?? '',
      ...Array.from({ length: 700 }, () => unique('x')),
    ];
    expect(await messageMedia.deleteByMessages(many)).toBe(2);
    expect(await messageMedia.get(ids[0] ?? '')).toBeUndefined();
    expect(await messageMedia.get(ids[2] ?? '')).toEqual(Buffer.from(ids[2] ?? ''));
    expect(await messageMedia.deleteByMessages([])).toBe(0);
  });

  it('deleteOrphans removes media whose message is gone and keeps the rest', async () => {
    const { messages, messageMedia } = ctx().store;
    await messageMedia.deleteOrphans();
    const { message } = await messages.insert(newMessage({ type: 'document' }));
    await messageMedia.put(message.id, Buffer.from('kept'));
    await messageMedia.put(unique('orphan'), Buffer.from('a'));
    await messageMedia.put(unique('orphan'), Buffer.from('b'));
    expect(await messageMedia.deleteOrphans()).toBe(2);
    expect(await messageMedia.get(message.id)).toEqual(Buffer.from('kept'));
    expect(await messageMedia.deleteOrphans()).toBe(0);
  });

  it('deleteByInstance removes the instance messages and their media', async () => {
    const { messages, messageMedia } = ctx().store;
    const [gone, kept] = [unique('i'), unique('i')];
    const a = await messages.insert(newMessage({ instanceId: gone, type: 'image' }));
    await messages.insert(newMessage({ instanceId: gone }));
    await messages.insertInbound(inbound({ instanceId: gone }));
    const b = await messages.insert(newMessage({ instanceId: kept, type: 'image' }));
    await messageMedia.put(a.message.id, Buffer.from('a'));
    await messageMedia.put(b.message.id, Buffer.from('b'));
    expect(await messages.deleteByInstance(gone)).toBe(3);
    expect(await messages.get(a.message.id)).toBeUndefined();
    expect(await messageMedia.get(a.message.id)).toBeUndefined();
    expect(await messageMedia.get(b.message.id)).toEqual(Buffer.from('b'));
    expect(await messages.countByStatus({ instanceId: kept })).toEqual({ queued: 1 });
    expect(await messages.deleteByInstance(gone)).toBe(0);
  });

  it('deleteOlderThan removes old history with its media and keeps rows still in the outbox', async () => {
    const { messages, messageMedia } = ctx().store;
    const instanceId = unique('i');
    const cutoff = at(1_050_000_000_000);
    await messages.deleteOlderThan(cutoff);
    const old = (status: 'sent' | 'failed' | 'queued' | 'paused' | 'sending') =>
      messages.insert(newMessage({ instanceId, status, createdAt: at(1_000_000_000_000) }));
    const sent = await old('sent');
    await old('failed');
    await messages.insertInbound(inbound({ instanceId, createdAt: at(1_000_000_000_001) }));
    const queued = await old('queued');
    await old('paused');
    await old('sending');
    const fresh = await messages.insert(
      newMessage({ instanceId, status: 'sent', createdAt: at(1_100_000_000_000) }),
    );
    await messageMedia.put(sent.message.id, Buffer.from('old'));
    await messageMedia.put(queued.message.id, Buffer.from('waiting'));
    expect(await messages.deleteOlderThan(cutoff)).toBe(3);
    expect(await messages.countByStatus({ instanceId })).toEqual({
      queued: 1,
      paused: 1,
      sending: 1,
      sent: 1,
    });
    expect(await messages.get(fresh.message.id)).toEqual(fresh.message);
    expect(await messageMedia.get(sent.message.id)).toBeUndefined();
    expect(await messageMedia.get(queued.message.id)).toEqual(Buffer.from('waiting'));
  });

  it('a transaction commits everything its work wrote, through repositories bound to it', async () => {
    const { store } = ctx();
    const instanceId = unique('i');
    const campaignId = unique('c');
    const result = await store.transaction(async (tx) => {
      const { message } = await tx.messages.insert(newMessage({ instanceId, type: 'image', campaignId }));
      await tx.messageMedia.put(message.id, Buffer.from('in the same transaction'));
      await tx.campaigns.create(campaign(instanceId, campaignId));
      const many = await tx.messages.insertMany([newMessage({ instanceId }), newMessage({ instanceId })]);
      await tx.authState.writeKeys(instanceId, [{ type: 'pre-key', id: '1', value: 'k' }]);
      expect(await tx.messages.countByStatus({ instanceId })).toEqual({ queued: 3 });
      return { id: message.id, many };
    });
    expect(result.many).toBe(2);
    expect(await store.messages.get(result.id)).toMatchObject({ instanceId, campaignId });
    expect(await store.messageMedia.get(result.id)).toEqual(Buffer.from('in the same transaction'));
    expect(await store.campaigns.get(campaignId)).toMatchObject({ instanceId });
    expect(await store.authState.countKeys(instanceId)).toBe(1);
  });

  it('a transaction whose work throws writes nothing and rethrows', async () => {
    const { store } = ctx();
    const instanceId = unique('i');
    const campaignId = unique('c');
    const ids: string[] = [];
    const failure = new Error('render failed');
    const run = store.transaction(async (tx) => {
      const { message } = await tx.messages.insert(newMessage({ instanceId, idempotencyKey: 'once' }));
      ids.push(message.id);
      await tx.messageMedia.put(message.id, Buffer.from('x'));
      await tx.campaigns.create(campaign(instanceId, campaignId));
      await tx.messages.insertMany([newMessage({ instanceId })]);
      await tx.messages.deleteByInstance(unique('nobody'));
      throw failure;
    });
    await expect(run).rejects.toBe(failure);
    expect(await store.messages.get(ids[0] ?? '')).toBeUndefined();
    expect(await store.messageMedia.get(ids[0] ?? '')).toBeUndefined();
    expect(await store.campaigns.get(campaignId)).toBeUndefined();
    expect(await store.messages.countByStatus({ instanceId })).toEqual({});
    const again = await store.messages.insert(newMessage({ instanceId, idempotencyKey: 'once' }));
    expect(again.created).toBe(true);
  });
}

const campaign = (instanceId: string, id: string) => ({
  id,
  instanceId,
  tenantId: null,
  name: null,
  template: 'Olá {{name}}',
  status: 'running' as const,
  total: 3,
  startAt: null,
});
