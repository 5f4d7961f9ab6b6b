import type { Account } from '../network/model.ts';
import type { PresenceKind } from '../network/profiles.ts';
import { type BinaryNode, S_WA, unixNow } from '../wire/binary-node.ts';
import type { Connection } from './connection.ts';
import { profileKeyOf } from './profile-iqs.ts';
import type { SimCore } from './sim-core.ts';

export type ChatStateKind = 'composing' | 'recording' | 'paused';
export const PRESENCE_STATES = ['available', 'unavailable', 'composing', 'recording', 'paused'] as const;
export type PresenceState = PresenceKind | ChatStateKind;

const presenceNode = (phone: string, kind: PresenceKind, lastSeen: number | null): BinaryNode => ({
  tag: 'presence',
  attrs: {
    from: `${phone}@${S_WA}`,
    type: kind,
    ...(kind === 'unavailable' ? { last: lastSeen ? String(lastSeen) : 'deny' } : {}),
  },
});

/** Presences are not queued: only the open connections of an account hear them. */
function toOpenDevices(core: SimCore, account: Account, node: BinaryNode): number {
  const conns = [...core.connections].filter((c) => c.account === account && c.isOpen);
  for (const conn of conns) conn.send(node);
  return conns.length;
}

/**
 * A companion's `presence`: `subscribe` to someone's (answered with their presence now, then each
 * change), or its own `available`/`unavailable`, which reaches the account's subscribers.
 */
export async function onPresence(core: SimCore, conn: Connection, node: BinaryNode): Promise<void> {
  const actor = conn.account;
  if (!actor) return;
  const { type, to } = node.attrs;
  if (type === 'subscribe' && to) {
    const key = profileKeyOf(core, to);
    if (!key) return;
    const profile = core.profiles.of(key);
    profile.subscribers.add(actor.phone);
    core.log('presence-subscribed', { by: actor.phone, to: key });
    conn.send(presenceNode(key, profile.presence, profile.lastSeen));
    return;
  }
  if (type === 'available' || type === 'unavailable') setPresence(core, actor.phone, type);
}

/** Someone's presence changes: every subscribed account's open devices are told. */
export function setPresence(core: SimCore, phone: string, kind: PresenceKind): number {
  const profile = core.profiles.of(phone);
  profile.presence = kind;
  if (kind === 'unavailable') profile.lastSeen = Number(unixNow());
  let reached = 0;
  for (const subscriber of profile.subscribers) {
    const account = core.directory.accounts.get(subscriber);
    if (account) reached += toOpenDevices(core, account, presenceNode(phone, kind, profile.lastSeen));
  }
  return reached;
}

/** A contact types (or records, or stops) in its chat with an account that subscribed to it. */
export function sendChatState(core: SimCore, phone: string, account: Account, state: ChatStateKind): number {
  if (!core.profiles.of(phone).subscribers.has(account.phone)) return 0;
  const node: BinaryNode = {
    tag: 'chatstate',
    attrs: { from: `${phone}@${S_WA}` },
    content: [
      state === 'recording' ? { tag: 'composing', attrs: { media: 'audio' } } : { tag: state, attrs: {} },
    ],
  };
  return toOpenDevices(core, account, node);
}
