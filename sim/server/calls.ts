import { randomBytes } from 'node:crypto';
import type { Account, Contact } from '../network/model.ts';
import { type BinaryNode, firstChild, S_WA, unixNow } from '../wire/binary-node.ts';
import type { Connection } from './connection.ts';
import type { SimCore } from './sim-core.ts';

/** A call a contact placed, and what the account's devices did about it. */
export interface CallRecord {
  callId: string;
  from: string;
  to: string;
  video: boolean;
  status: 'ringing' | 'rejected' | 'accepted';
  /** The device that answered the offer (`phone:device@s.whatsapp.net`). */
  answeredBy: string | null;
  offeredAt: string;
}

const callsOf = new WeakMap<SimCore, Map<string, CallRecord>>();

function calls(core: SimCore): Map<string, CallRecord> {
  let map = callsOf.get(core);
  if (!map) {
    map = new Map();
    callsOf.set(core, map);
  }
  return map;
}

/** A contact calls an account: an `offer` rings every linked device, as WhatsApp's server does. */
export function offerCall(core: SimCore, contact: Contact, account: Account, video: boolean): CallRecord {
  const callId = randomBytes(16).toString('hex').toUpperCase();
  const from = `${contact.phone}@${S_WA}`;
  const record: CallRecord = {
    callId,
    from: contact.phone,
    to: account.phone,
    video,
    status: 'ringing',
    answeredBy: null,
    offeredAt: new Date().toISOString(),
  };
  calls(core).set(callId, record);
  const media: BinaryNode[] = [
    { tag: 'audio', attrs: { enc: 'opus', rate: '16000' } },
    ...(video ? [{ tag: 'video', attrs: { enc: 'vp8', dec: 'vp8' } }] : []),
  ];
  for (const deviceId of account.devices.keys()) {
    core.deliverToDevice(account, deviceId, {
      tag: 'call',
      attrs: { from, id: randomBytes(8).toString('hex').toUpperCase(), t: unixNow(), notify: contact.name },
      content: [
        {
          tag: 'offer',
          attrs: { 'call-id': callId, 'call-creator': from, caller_pn: from },
          content: media,
        },
      ],
    });
  }
  core.log('call-offer', { callId, from: contact.phone, to: account.phone });
  return record;
}

/** A device answers a call (Baileys' `rejectCall` sends `reject`): the server acks and records it. */
export function onCallStanza(core: SimCore, conn: Connection, node: BinaryNode): void {
  const answer = firstChild(node);
  conn.send({
    tag: 'ack',
    attrs: {
      id: node.attrs.id ?? '',
      class: 'call',
      from: node.attrs.to ?? S_WA,
      ...(answer ? { type: answer.tag } : {}),
    },
  });
  const record = calls(core).get(answer?.attrs['call-id'] ?? '');
  if (record?.status !== 'ringing' || conn.account?.phone !== record.to) return;
  if (answer?.tag === 'reject') record.status = 'rejected';
  else if (answer?.tag === 'accept') record.status = 'accepted';
  else return;
  record.answeredBy = conn.jid ?? null;
  core.log('call-answered', { callId: record.callId, status: record.status, by: conn.jid });
}

/** The calls a contact placed, newest last. */
export function callsFrom(core: SimCore, contact: Contact): CallRecord[] {
  return [...calls(core).values()].filter((c) => c.from === contact.phone);
}
