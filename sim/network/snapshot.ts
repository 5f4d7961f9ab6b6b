import { appStateKeyOf, rememberAppStateKey } from '../server/app-state.ts';
import type { BinaryNode } from '../wire/binary-node.ts';
import type { KeyPair } from '../wire/cert-chain.ts';
import type { Directory } from './directory.ts';
import { exportSenderKeys, importSenderKeys } from './group-receiver.ts';
import {
  type Account,
  type Contact,
  type Group,
  type GroupMember,
  type GroupSettings,
  type LinkedDevice,
  makeDeviceKeys,
  type ReceivedMessage,
} from './model.ts';
import type { KeptProfile, ProfileBook } from './profiles.ts';
import { SignalParty, type SignalPartyState } from './signal-party.ts';

/**
 * What the simulated network must remember for linked devices to log in again after a restart:
 * accounts with their identity, phone-side Signal state and companions (noise key, uploaded keys,
 * offline queue, app-state key), contacts with their Signal state, group sender keys and inbox, and
 * groups (members by phone, requests to join), and profiles (about, privacy, block lists, business, app state).
 * Profile pictures, presence, contacts' group notices and media blobs are not kept.
 */
export interface NetworkSnapshot {
  version: 1;
  accounts: AccountSnapshot[];
  contacts: ContactSnapshot[];
  /** Absent from snapshots taken before groups were kept. */
  groups?: GroupSnapshot[];
  profiles?: Array<[string, KeptProfile]>;
}

interface GroupSnapshot {
  id: string;
  subject: string;
  creation: number;
  creator: string;
  members: Array<[string, GroupMember['role']]>;
  settings: Omit<GroupSettings, 'description'> & {
    description: { id: string; body: string; by: string; t: number } | null;
  };
  /** Requests to join waiting for approval: phone, method, unix seconds (absent from older snapshots). */
  requests?: Array<[string, string, number]>;
}

interface DeviceSnapshot {
  id: number;
  noisePub: Uint8Array;
  registrationId: number;
  identityPub: Uint8Array;
  signedPreKey: { keyId: number; pub: Uint8Array; sig: Uint8Array };
  preKeys: Array<[number, Uint8Array]>;
  pushName: string;
  keyShared: boolean;
  queue: BinaryNode[];
  linkedAt: number;
  appStateKey?: { keyId: Uint8Array; keyData: Uint8Array };
}

interface AccountSnapshot {
  phone: string;
  lidUser: string;
  name: string;
  identity: KeyPair;
  phoneParty: SignalPartyState;
  devices: DeviceSnapshot[];
  nextDevice: number;
  trustTokensIssued: Array<[string, number]>;
}

interface ContactSnapshot {
  phone: string;
  lidUser: string;
  name: string;
  party: SignalPartyState;
  senderKeys?: Array<[string, unknown]>;
  inbox: ReceivedMessage[];
}

function deviceSnapshot(device: LinkedDevice): DeviceSnapshot {
  const { keys } = device;
  const appStateKey = appStateKeyOf(device);
  return {
    id: device.id,
    noisePub: device.noisePub,
    registrationId: keys.registrationId,
    identityPub: keys.identityPub,
    signedPreKey: keys.signedPreKey,
    preKeys: [...keys.preKeys],
    pushName: device.pushName,
    keyShared: device.keyShared,
    queue: device.queue,
    linkedAt: device.linkedAt,
    ...(appStateKey ? { appStateKey } : {}),
  };
}

export function takeSnapshot(directory: Directory, profiles?: ProfileBook): NetworkSnapshot {
  const accounts = [...directory.accounts.values()].map((a) => ({
    phone: a.phone,
    lidUser: a.lidUser,
    name: a.name,
    identity: a.identity,
    phoneParty: a.phoneParty.exportState(),
    devices: [...a.devices.values()].map(deviceSnapshot),
    nextDevice: a.nextDevice,
    trustTokensIssued: [...a.trustTokensIssued],
  }));
  const contacts = [...directory.contacts.values()].map((c) => ({
    phone: c.phone,
    lidUser: c.lidUser,
    name: c.name,
    party: c.party.exportState(),
    senderKeys: exportSenderKeys(c),
    inbox: c.inbox,
  }));
  const groups = [...directory.groups.values()].map(groupSnapshot);
  return {
    version: 1,
    accounts,
    contacts,
    groups,
    ...(profiles ? { profiles: profiles.exportProfiles() } : {}),
  };
}

function groupSnapshot(g: Group): GroupSnapshot {
  const { description, ...settings } = g.settings;
  return {
    id: g.id,
    subject: g.subject,
    creation: g.creation,
    creator: g.creator.phone,
    members: [...g.members].map(([phone, m]) => [phone, m.role]),
    settings: { ...settings, description: description && { ...description, by: description.by.phone } },
    requests: [...(g.requests?.values() ?? [])].map((r) => [r.member.phone, r.method, r.t]),
  };
}

/** A kept group, its members found again by phone (one no longer in the network is left out). */
function restoreGroup(directory: Directory, saved: GroupSnapshot): Group | undefined {
  const find = (phone: string) => directory.accounts.get(phone) ?? directory.contacts.get(phone);
  const creator = directory.accounts.get(saved.creator);
  if (!creator) return undefined;
  const members: Group['members'] = new Map();
  for (const [phone, role] of saved.members) {
    const account = find(phone);
    if (account) members.set(phone, { account, role });
  }
  const { description, ...settings } = saved.settings;
  const by = description ? find(description.by) : undefined;
  const requests: NonNullable<Group['requests']> = new Map();
  for (const [phone, method, t] of saved.requests ?? []) {
    const member = find(phone);
    if (member) requests.set(phone, { member, method, t });
  }
  return {
    id: saved.id,
    subject: saved.subject,
    creation: saved.creation,
    creator,
    members,
    settings: { ...settings, description: description && by ? { ...description, by } : null },
    requests,
  };
}

function restoreDevice(saved: DeviceSnapshot): LinkedDevice {
  const keys = makeDeviceKeys(saved.registrationId, Buffer.from(saved.identityPub), {
    keyId: saved.signedPreKey.keyId,
    pub: Buffer.from(saved.signedPreKey.pub),
    sig: Buffer.from(saved.signedPreKey.sig),
  });
  for (const [id, pub] of saved.preKeys) keys.preKeys.set(id, Buffer.from(pub));
  const device: LinkedDevice = {
    id: saved.id,
    noisePub: Buffer.from(saved.noisePub),
    keys,
    pushName: saved.pushName,
    keyShared: saved.keyShared,
    queue: saved.queue,
    linkedAt: saved.linkedAt,
  };
  if (saved.appStateKey) rememberAppStateKey(device, saved.appStateKey.keyId, saved.appStateKey.keyData);
  return device;
}

/** Puts a snapshot's accounts and contacts into an empty directory. */
export function restoreSnapshot(
  directory: Directory,
  snapshot: NetworkSnapshot,
  profiles?: ProfileBook,
): void {
  profiles?.importProfiles(snapshot.profiles ?? []);
  for (const saved of snapshot.accounts) {
    const account: Account = {
      phone: saved.phone,
      lidUser: saved.lidUser,
      name: saved.name,
      identity: saved.identity,
      phoneParty: new SignalParty(saved.phoneParty),
      devices: new Map(saved.devices.map((d) => [d.id, restoreDevice(d)])),
      nextDevice: saved.nextDevice,
      trustTokensIssued: new Map(saved.trustTokensIssued),
    };
    directory.adopt(account);
  }
  for (const saved of snapshot.contacts) {
    const contact: Contact = {
      phone: saved.phone,
      lidUser: saved.lidUser,
      name: saved.name,
      party: new SignalParty(saved.party),
      inbox: saved.inbox,
    };
    importSenderKeys(contact, saved.senderKeys ?? []);
    directory.adopt(contact);
  }
  for (const saved of snapshot.groups ?? []) {
    const group = restoreGroup(directory, saved);
    if (group) directory.groups.set(group.id, group);
  }
}

const BYTES = '$bytes';

/** JSON with every byte array as `{"$bytes": base64}` (Buffer's own toJSON would make it a list of numbers). */
export function encodeSnapshot(snapshot: NetworkSnapshot): string {
  return JSON.stringify(snapshot, function (this: Record<string, unknown>, key, value: unknown) {
    const raw = this[key];
    if (raw instanceof Uint8Array) return { [BYTES]: Buffer.from(raw).toString('base64') };
    return typeof value === 'bigint' ? value.toString() : value;
  });
}

export class SnapshotError extends Error {
  override name = 'SnapshotError';
}

export function decodeSnapshot(text: string): NetworkSnapshot {
  const parsed = JSON.parse(text, (_key, value: unknown) => {
    if (value && typeof value === 'object' && BYTES in value) {
      const b64 = (value as Record<string, unknown>)[BYTES];
      if (typeof b64 === 'string') return Buffer.from(b64, 'base64');
    }
    return value;
  }) as Partial<NetworkSnapshot> | null;
  if (parsed?.version !== 1 || !Array.isArray(parsed.accounts) || !Array.isArray(parsed.contacts))
    throw new SnapshotError('not a simulator state snapshot (version 1)');
  return parsed as NetworkSnapshot;
}
