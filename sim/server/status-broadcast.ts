import type { proto } from 'baileys';
import type { Account } from '../network/model.ts';
import { type BinaryNode, child, children, deviceOf, S_WA, unixNow } from '../wire/binary-node.ts';
import type { Connection } from './connection.ts';
import { relayToContact } from './group-contacts.ts';
import type { SimCore } from './sim-core.ts';

/** The chat every status update is posted to. */
export const STATUS_JID = 'status@broadcast';

/** How a text status looks: its colour (`#AARRGGBB`) and font, as the sender chose them. */
export function statusStyle(message: proto.IMessage): Record<string, unknown> {
  const ext = message.extendedTextMessage;
  if (!ext) return {};
  const argb = ext.backgroundArgb;
  return {
    ...(typeof argb === 'number' && argb !== 0
      ? { backgroundColor: `#${(argb >>> 0).toString(16).toUpperCase().padStart(8, '0')}` }
      : {}),
    ...(typeof ext.font === 'number' ? { font: ext.font } : {}),
  };
}

/**
 * A status update: like a group message to `status@broadcast`, but its audience is the list the
 * sender gave (`statusJidList`), one `<to>` per device carrying the sender key. The server fans it
 * out to exactly those devices, with the sender as `participant`; nobody else hears of it.
 */
export function relayStatusMessage(core: SimCore, conn: Connection, node: BinaryNode): void {
  const { account: sender, device } = conn;
  const { attrs } = node;
  if (!sender || !device) return;
  const t = unixNow();
  const id = attrs.id ?? '';
  conn.send({ tag: 'ack', attrs: { class: 'message', id, from: STATUS_JID, t } });
  const skmsg = children(node, 'enc').find((e) => e.attrs.type === 'skmsg');
  const deviceIdentity = child(node, 'device-identity');
  const audience: string[] = [];
  for (const to of children(child(node, 'participants'), 'to')) {
    const jid = to.attrs.jid ?? '';
    const own = child(to, 'enc');
    const contact = core.directory.contactOf(jid);
    if (contact) {
      audience.push(contact.phone);
      relayToContact(core, contact, {
        id,
        groupId: STATUS_JID,
        senderPhone: sender.phone,
        senderDevice: device.id,
        own,
        skmsg,
        describeExtra: statusStyle,
      });
      continue;
    }
    const account = core.directory.accountOf(jid);
    const targetDevice = deviceOf(jid);
    // device 0 of an account is its phone, which the simulator plays without a status feed
    if (!account || targetDevice === 0 || (account === sender && targetDevice === device.id)) continue;
    audience.push(`${account.phone}:${targetDevice}`);
    const content = [
      ...(own ? [own] : []),
      ...(skmsg ? [skmsg] : []),
      ...(own?.attrs.type === 'pkmsg' && deviceIdentity ? [deviceIdentity] : []),
    ];
    core.deliverToDevice(account, targetDevice, statusStanza(conn, sender, node, t, content));
  }
  core.log('status-relay', { id, from: conn.jid, audience });
}

function statusStanza(
  conn: Connection,
  sender: Account,
  node: BinaryNode,
  t: string,
  content: BinaryNode[],
): BinaryNode {
  const deviceId = conn.device?.id ?? 0;
  return {
    tag: 'message',
    attrs: {
      id: node.attrs.id ?? '',
      from: STATUS_JID,
      participant: `${sender.phone}:${deviceId}@${S_WA}`,
      participant_lid: `${sender.lidUser}@lid`,
      t,
      type: node.attrs.type ?? 'text',
      ...(conn.device?.pushName ? { notify: conn.device.pushName } : {}),
    },
    content,
  };
}
