import type { proto } from 'baileys';
import { describeMessage } from '../content/describe-message.ts';
import { decryptGroupMessage, processSenderKey } from '../network/group-receiver.ts';
import type { Contact } from '../network/model.ts';
import { type BinaryNode, contentBytes, firstChild } from '../wire/binary-node.ts';
import type { SimCore } from './sim-core.ts';

/** A group change a contact was told of (contacts have no socket: the simulator keeps it). */
export interface ContactGroupNotice {
  group: string;
  action: string;
  by: string;
  participants: string[];
  time: number;
}

const noticesOf = new WeakMap<Contact, ContactGroupNotice[]>();
/** One group message at a time per contact: its key distribution comes before what it unlocks. */
const turnOf = new WeakMap<Contact, Promise<unknown>>();

export function recordContactNotice(contact: Contact, stanza: BinaryNode): void {
  const change = firstChild(stanza);
  const list = noticesOf.get(contact) ?? [];
  const participants = Array.isArray(change?.content)
    ? change.content.filter((c) => c.tag === 'participant').map((c) => c.attrs.jid ?? '')
    : [];
  list.push({
    group: stanza.attrs.from ?? '',
    action: change?.tag ?? '',
    by: stanza.attrs.participant ?? '',
    participants,
    time: Date.now(),
  });
  noticesOf.set(contact, list);
}

export const contactGroupNotices = (contact: Contact): ContactGroupNotice[] => noticesOf.get(contact) ?? [];

export interface GroupDelivery {
  id: string;
  groupId: string;
  senderPhone: string;
  senderDevice: number;
  /** The ciphertext addressed to the contact itself (a sender-key distribution), if any. */
  own: BinaryNode | undefined;
  skmsg: BinaryNode | undefined;
  /** More to keep of the decrypted message than its description (a status's colour and font). */
  describeExtra?: (message: proto.IMessage) => Record<string, unknown>;
}

/** A group message reaches a contact member: it takes the sender key, decrypts, keeps it in its inbox. */
export function relayToContact(core: SimCore, contact: Contact, delivery: GroupDelivery): void {
  const previous = turnOf.get(contact) ?? Promise.resolve();
  const run = previous.then(() => receive(core, contact, delivery));
  turnOf.set(
    contact,
    run.catch((err: unknown) =>
      core.log('group-decrypt-failed', { id: delivery.id, contact: contact.phone, error: String(err) }),
    ),
  );
}

async function receive(core: SimCore, contact: Contact, d: GroupDelivery): Promise<void> {
  const ownBody = contentBytes(d.own);
  const ownType = d.own?.attrs.type;
  if (ownBody && (ownType === 'pkmsg' || ownType === 'msg')) {
    const pairwise = await contact.party.decrypt(d.senderPhone, d.senderDevice, {
      type: ownType,
      body: ownBody,
    });
    if (pairwise.senderKeyDistributionMessage)
      await processSenderKey(contact, d.senderPhone, d.senderDevice, pairwise.senderKeyDistributionMessage);
  }
  const skBody = contentBytes(d.skmsg);
  if (!skBody) return;
  const message = await decryptGroupMessage(contact, d.groupId, d.senderPhone, d.senderDevice, skBody);
  const described = await describeMessage(message, core.media);
  if (described.type === 'sender-key-distribution' || described.type === 'protocol') return;
  contact.inbox.push({
    id: d.id,
    from: d.senderPhone,
    fromDevice: d.senderDevice,
    chat: d.groupId,
    type: described.type,
    content: { ...described.content, ...d.describeExtra?.(message) },
    time: Date.now(),
  });
  core.log('contact-received', { id: d.id, contact: contact.phone, group: d.groupId, type: described.type });
}
