import { proto, unpadRandomMax16 } from 'baileys';
// the sender-key half of Signal that Baileys ships but does not export from its root
import {
  GroupCipher,
  GroupSessionBuilder,
  SenderKeyDistributionMessage,
  SenderKeyName,
  SenderKeyRecord,
} from 'baileys/lib/Signal/Group/index.js';
import type { Contact } from './model.ts';

interface SenderKeys {
  records: Map<string, SenderKeyRecord>;
  /** Sender-key chains advance in order: one operation at a time per contact. */
  turn: Promise<unknown>;
}

const keysOf = new WeakMap<Contact, SenderKeys>();

function keys(contact: Contact): SenderKeys {
  let k = keysOf.get(contact);
  if (!k) {
    k = { records: new Map(), turn: Promise.resolve() };
    keysOf.set(contact, k);
  }
  return k;
}

const nameOf = (groupId: string, user: string, device: number) =>
  new SenderKeyName(groupId, { id: user, deviceId: device, toString: () => `${user}.${device}` });

function store(k: SenderKeys) {
  return {
    loadSenderKey: async (name: SenderKeyName) => k.records.get(name.toString()) ?? new SenderKeyRecord(),
    storeSenderKey: async (name: SenderKeyName, record: SenderKeyRecord) => {
      k.records.set(name.toString(), record);
    },
  };
}

/** A contact's sender keys as their records serialize, to keep across restarts (`snapshot.ts`). */
export function exportSenderKeys(contact: Contact): Array<[string, unknown]> {
  const k = keysOf.get(contact);
  return k ? [...k.records].map(([name, record]) => [name, record.serialize()]) : [];
}

export function importSenderKeys(contact: Contact, saved: Array<[string, unknown]>): void {
  const k = keys(contact);
  for (const [name, structures] of saved)
    k.records.set(name, new SenderKeyRecord(structures as ConstructorParameters<typeof SenderKeyRecord>[0]));
}

function exclusive<T>(k: SenderKeys, work: () => Promise<T>): Promise<T> {
  const run = k.turn.then(work, work);
  k.turn = run.catch(() => undefined);
  return run;
}

/** A contact takes a companion's sender key for a group (from the SKDM in its pairwise message). */
export function processSenderKey(
  contact: Contact,
  user: string,
  device: number,
  skdm: proto.Message.ISenderKeyDistributionMessage,
): Promise<void> {
  const k = keys(contact);
  return exclusive(k, async () => {
    if (!skdm.groupId || !skdm.axolotlSenderKeyDistributionMessage) return;
    const message = new SenderKeyDistributionMessage(
      null,
      null,
      null,
      null,
      Buffer.from(skdm.axolotlSenderKeyDistributionMessage),
    );
    await new GroupSessionBuilder(store(k)).process(nameOf(skdm.groupId, user, device), message);
  });
}

/** A contact decrypts a group message (`skmsg`) a companion sent. */
export function decryptGroupMessage(
  contact: Contact,
  groupId: string,
  user: string,
  device: number,
  body: Uint8Array,
): Promise<proto.Message> {
  const k = keys(contact);
  return exclusive(k, async () => {
    const plain = await new GroupCipher(store(k), nameOf(groupId, user, device)).decrypt(Buffer.from(body));
    return proto.Message.decode(unpadRandomMax16(plain));
  });
}
