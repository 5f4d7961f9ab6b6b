import { describeMessage } from '../content/describe-message.ts';
import type { Account, Contact } from '../network/model.ts';
import type { EncryptedPayload } from '../network/signal-party.ts';
import {
  type BinaryNode,
  bareJid,
  child,
  children,
  contentBytes,
  deviceOf,
  S_WA,
  serverOf,
  unixNow,
} from '../wire/binary-node.ts';
import type { Connection } from './connection.ts';
import type { SimCore } from './sim-core.ts';

interface WireTarget {
  jid: string;
  enc: BinaryNode;
}

const toPayload = (enc: BinaryNode): EncryptedPayload | undefined => {
  const body = contentBytes(enc);
  const type = enc.attrs.type;
  return body && (type === 'pkmsg' || type === 'msg') ? { type, body } : undefined;
};

/** Where a 1:1 stanza's ciphertexts go: one per device in `<participants>`, or a single `<enc>`. */
function wireTargets(node: BinaryNode): WireTarget[] {
  const tos = children(child(node, 'participants'), 'to');
  if (tos.length === 0) {
    const enc = child(node, 'enc');
    return enc ? [{ jid: node.attrs.to ?? '', enc }] : [];
  }
  return tos.flatMap((to) => {
    const enc = child(to, 'enc');
    return enc && to.attrs.jid ? [{ jid: to.attrs.jid, enc }] : [];
  });
}

/** A companion sends a 1:1 message: route each ciphertext to a device, or decrypt it as a contact. */
export async function relayDirectMessage(core: SimCore, conn: Connection, node: BinaryNode): Promise<void> {
  const { account, device } = conn;
  if (!account || !device) return;
  const { attrs } = node;
  const to = attrs.to ?? '';
  const contact = core.directory.contactOf(to);
  const destination = core.directory.accountOf(to);
  const t = unixNow();
  if (!contact && !destination) {
    // Nobody on WhatsApp has this number: the server refuses the stanza.
    conn.send({ tag: 'ack', attrs: { class: 'message', id: attrs.id ?? '', from: to, t, error: '479' } });
    core.log('message-to-unknown', { id: attrs.id, to });
    return;
  }
  conn.send({ tag: 'ack', attrs: { class: 'message', id: attrs.id ?? '', from: to, t } });
  const deviceIdentity = child(node, 'device-identity');
  for (const target of wireTargets(node)) {
    const targetAccount = core.directory.accountOf(target.jid);
    const targetDevice = deviceOf(target.jid);
    if (targetAccount && targetDevice > 0) {
      const content = [
        target.enc,
        ...(target.enc.attrs.type === 'pkmsg' && deviceIdentity ? [deviceIdentity] : []),
      ];
      const stanza = companionStanza(conn, account, node, target.jid, targetAccount === account, t, content);
      core.log('relay', { id: attrs.id, from: conn.jid, to: target.jid, type: target.enc.attrs.type });
      core.deliverToDevice(targetAccount, targetDevice, stanza);
      continue;
    }
    await decryptAtParty(core, conn, node, target);
  }
  if (contact && core.options.autoDeliveryReceipts && attrs.category !== 'peer') {
    const id = attrs.id ?? '';
    const key = `${contact.phone}/${account.phone}/${id}`;
    const timer = setTimeout(() => {
      core.pendingDeliveries.delete(key);
      sendContactReceipt(core, contact, account, [id], 'delivered');
    }, 20);
    core.pendingDeliveries.set(key, timer);
  }
}

/** The stanza another companion receives: who sent it, their push name and the other address form. */
function companionStanza(
  conn: Connection,
  sender: Account,
  node: BinaryNode,
  wireJid: string,
  toOwnDevice: boolean,
  t: string,
  content: BinaryNode[],
): BinaryNode {
  const { attrs } = node;
  const lidWire = serverOf(wireJid) === 'lid';
  const deviceId = conn.device?.id ?? 0;
  const from = lidWire ? `${sender.lidUser}:${deviceId}@lid` : `${sender.phone}:${deviceId}@${S_WA}`;
  return {
    tag: 'message',
    attrs: {
      id: attrs.id ?? '',
      from,
      t,
      type: attrs.type ?? 'text',
      ...(conn.device?.pushName ? { notify: conn.device.pushName } : {}),
      ...(lidWire ? { sender_pn: `${sender.phone}@${S_WA}` } : { sender_lid: `${sender.lidUser}@lid` }),
      ...(toOwnDevice && attrs.category !== 'peer' && attrs.to ? { recipient: bareJid(attrs.to) } : {}),
      ...(attrs.category ? { category: attrs.category } : {}),
      ...(attrs.edit ? { edit: attrs.edit } : {}),
    },
    content,
  };
}

/** A ciphertext for device 0 of a contact or of an account's phone: the simulator decrypts it. */
async function decryptAtParty(core: SimCore, conn: Connection, node: BinaryNode, target: WireTarget) {
  const { account, device } = conn;
  const payload = toPayload(target.enc);
  if (!account || !device || !payload || deviceOf(target.jid) !== 0) return;
  const contact = core.directory.contactOf(target.jid);
  const party = contact?.party ?? core.directory.accountOf(target.jid)?.phoneParty;
  if (!party) return;
  try {
    const message = await party.decrypt(account.phone, device.id, payload);
    if (!contact) return;
    const described = await describeMessage(message, core.media);
    if (described.type === 'sender-key-distribution' || described.type === 'protocol') return;
    contact.inbox.push({
      id: node.attrs.id ?? '',
      from: account.phone,
      fromDevice: device.id,
      chat: bareJid(node.attrs.to ?? target.jid),
      type: described.type,
      content: described.content,
      time: Date.now(),
    });
    core.log('contact-received', { id: node.attrs.id, contact: contact.phone, type: described.type });
  } catch (err) {
    core.log('decrypt-failed', { id: node.attrs.id, to: target.jid, error: String(err) });
  }
}

/** A contact's receipt for messages an account sent it, to every device of that account. */
export function sendContactReceipt(
  core: SimCore,
  contact: Contact,
  account: Account,
  ids: string[],
  type: 'delivered' | 'read' | 'played',
): void {
  if (type !== 'delivered') {
    // A phone delivers before it reads: a read receipt never overtakes the automatic delivery one.
    const due = ids.filter((id) => {
      const key = `${contact.phone}/${account.phone}/${id}`;
      const timer = core.pendingDeliveries.get(key);
      clearTimeout(timer);
      return timer !== undefined && core.pendingDeliveries.delete(key);
    });
    if (due.length) sendContactReceipt(core, contact, account, due, 'delivered');
  }
  const [first, ...rest] = ids;
  if (!first) return;
  const stanza: BinaryNode = {
    tag: 'receipt',
    attrs: {
      id: first,
      from: `${contact.phone}@${S_WA}`,
      t: unixNow(),
      ...(type === 'delivered' ? {} : { type }),
    },
    content: rest.length
      ? [{ tag: 'list', attrs: {}, content: rest.map((id) => ({ tag: 'item', attrs: { id } })) }]
      : undefined,
  };
  for (const deviceId of account.devices.keys()) core.deliverToDevice(account, deviceId, stanza);
}
