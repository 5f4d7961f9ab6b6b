import { type WAMessage, WAMessageStatus, type WAMessageUpdate } from 'baileys';
import type { DeliveryStatus, StatusEvent } from '../engine.ts';

const BY_CODE: Readonly<Record<number, DeliveryStatus>> = {
  [WAMessageStatus.ERROR]: 'failed',
  [WAMessageStatus.SERVER_ACK]: 'sent',
  [WAMessageStatus.DELIVERY_ACK]: 'delivered',
  [WAMessageStatus.READ]: 'read',
  [WAMessageStatus.PLAYED]: 'played',
};

/** Status changes of our own messages in a `messages.update` batch. */
export function statusFromUpdates(updates: WAMessageUpdate[]): StatusEvent[] {
  const out: StatusEvent[] = [];
  for (const { key, update } of updates) {
    const status = typeof update.status === 'number' ? BY_CODE[update.status] : undefined;
    if (!key.fromMe || !key.id || !status) continue;
    const error = status === 'failed' ? String(update.messageStubParameters?.[0] ?? 'unknown') : undefined;
    out.push({ waMessageId: key.id, chatJid: key.remoteJid ?? '', status, ...(error ? { error } : {}) });
  }
  return out;
}

/**
 * Baileys folds a receipt that arrives while the send is still buffered into the sent message itself
 * (`messages.upsert` with a status): those count as status changes too.
 */
export function statusFromUpserts(messages: WAMessage[]): StatusEvent[] {
  const out: StatusEvent[] = [];
  for (const m of messages) {
    const status = typeof m.status === 'number' ? BY_CODE[m.status] : undefined;
    if (!m.key.fromMe || !m.key.id || !status || status === 'sent' || status === 'failed') continue;
    out.push({ waMessageId: m.key.id, chatJid: m.key.remoteJid ?? '', status });
  }
  return out;
}
