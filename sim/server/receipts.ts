import { type BinaryNode, deviceOf, S_WA, serverOf, unixNow } from '../wire/binary-node.ts';
import type { Connection } from './connection.ts';
import type { SimCore } from './sim-core.ts';

/**
 * A companion's receipt for a message another account sent it (1:1, or in a group with the sender
 * as `participant`): the server passes it on to the sender's devices.
 */
export function forwardReceipt(core: SimCore, conn: Connection, node: BinaryNode): void {
  const { attrs } = node;
  const reader = conn.account;
  const isGroup = serverOf(attrs.to ?? '') === 'g.us';
  const senderJid = isGroup ? (attrs.participant ?? '') : (attrs.to ?? '');
  const sender = core.directory.accountOf(senderJid);
  if (!reader || !sender || sender === reader) return;
  const lid = serverOf(senderJid) === 'lid';
  const from = lid ? `${reader.lidUser}@lid` : `${reader.phone}@${S_WA}`;
  // A client that is not marked online acknowledges with `inactive`: to the sender it is a delivery.
  const type = attrs.type === 'inactive' ? undefined : attrs.type;
  const receipt: BinaryNode = {
    tag: 'receipt',
    attrs: {
      id: attrs.id ?? '',
      t: unixNow(),
      ...(isGroup ? { from: attrs.to ?? '', participant: from } : { from }),
      ...(type ? { type } : {}),
    },
    content: node.content,
  };
  const deviceId = deviceOf(senderJid);
  const devices = deviceId ? [deviceId] : [...sender.devices.keys()];
  for (const d of devices) core.deliverToDevice(sender, d, receipt);
}

/** A companion's typing state in a chat with another account reaches that account's devices. */
export function forwardChatState(core: SimCore, conn: Connection, node: BinaryNode): void {
  const from = conn.account;
  const target = core.directory.accountOf(node.attrs.to ?? '');
  if (!from || !target || target === from) return;
  const stanza: BinaryNode = {
    tag: 'chatstate',
    attrs: { from: `${from.phone}@${S_WA}` },
    content: node.content,
  };
  for (const conn2 of [...core.connections].filter((c) => c.account === target && c.isOpen))
    conn2.send(stanza);
}
