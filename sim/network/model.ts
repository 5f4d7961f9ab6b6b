import type { BinaryNode } from '../wire/binary-node.ts';
import type { KeyPair } from '../wire/cert-chain.ts';
import type { SignalParty } from './signal-party.ts';

/** The Signal keys a companion device registered (at pairing) and uploaded (after login). */
export interface DeviceKeys {
  registrationId: number;
  identityPub: Buffer;
  signedPreKey: { keyId: number; pub: Buffer; sig: Buffer };
  preKeys: Map<number, Buffer>;
  /** Removes and returns one one-time pre-key, as the server hands each out once. */
  takePreKey(): { keyId: number; pub: Buffer } | undefined;
}

/** A companion (WhatsApp Web style) device linked to an account. */
export interface LinkedDevice {
  id: number;
  noisePub: Buffer;
  keys: DeviceKeys;
  pushName: string;
  /** The phone has shared its app-state key with this device (done once, at first login). */
  keyShared: boolean;
  /** Stanzas waiting for the device to connect. */
  queue: BinaryNode[];
  linkedAt: number;
}

/** A WhatsApp account: a virtual phone (device 0, run by the simulator) and its linked companions. */
export interface Account {
  phone: string;
  lidUser: string;
  name: string;
  /** The account's identity key: signs ADV device identities, answers pairing codes. */
  identity: KeyPair;
  phoneParty: SignalParty;
  devices: Map<number, LinkedDevice>;
  nextDevice: number;
  /** Privacy (trusted-contact) tokens the account's devices issued, counted by the contact's jid. */
  trustTokensIssued: Map<string, number>;
}

/** Someone the accounts talk to: a Signal identity run entirely by the simulator. */
export interface Contact {
  phone: string;
  lidUser: string;
  name: string;
  party: SignalParty;
  inbox: ReceivedMessage[];
}

export interface ReceivedMessage {
  id: string;
  from: string;
  fromDevice: number;
  chat: string;
  type: string;
  content: Record<string, unknown>;
  time: number;
}

export interface GroupMember {
  /** A virtual phone with linked devices, or a contact the simulator runs itself. */
  account: Account | Contact;
  role: 'superadmin' | 'admin' | null;
}

export interface Group {
  id: string; // full jid, `…@g.us`
  subject: string;
  creation: number;
  creator: Account;
  members: Map<string, GroupMember>; // by account phone
  settings: GroupSettings;
  /** Requests to join while join approval is on, by phone (see `server/group-requests.ts`). */
  requests?: Map<string, JoinRequest>;
}

/** Someone who followed the invite link of a group that admits by approval, waiting for an admin. */
export interface JoinRequest {
  member: Account | Contact;
  /** How they asked, in WhatsApp's words (`invite_link`). */
  method: string;
  /** Unix seconds. */
  t: number;
}

/** What admins change about a group besides its subject and members (see `server/group-admin.ts`). */
export interface GroupSettings {
  description: { id: string; body: string; by: Account | Contact; t: number } | null;
  /** Only admins may send. */
  announce: boolean;
  /** Only admins may edit the subject, description and picture. */
  locked: boolean;
  /** Disappearing messages after this many seconds (0: off). */
  ephemeral: number;
  joinApproval: boolean;
  inviteCode: string;
  picture: { id: string; url: string; directPath: string; bytes: number } | null;
}

export function makeDeviceKeys(
  registrationId: number,
  identityPub: Buffer,
  signedPreKey: DeviceKeys['signedPreKey'],
): DeviceKeys {
  const preKeys = new Map<number, Buffer>();
  return {
    registrationId,
    identityPub,
    signedPreKey,
    preKeys,
    takePreKey() {
      const first = preKeys.entries().next();
      if (first.done) return undefined;
      const [keyId, pub] = first.value;
      preKeys.delete(keyId);
      return { keyId, pub };
    },
  };
}
