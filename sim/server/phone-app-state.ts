import { encodeSyncdPatch, newLTHashState, proto, type WAPatchName } from 'baileys';
import { badInput } from '../errors.ts';
import type { Account, LinkedDevice } from '../network/model.ts';
import { type BinaryNode, S_WA, unixNow } from '../wire/binary-node.ts';
import { appStateKeyOf } from './app-state.ts';
import type { SimCore } from './sim-core.ts';

/** What the phone changes about a chat, as a user does on the phone itself. */
export interface PhoneChatChange {
  archived?: boolean;
  pinned?: boolean;
  muted?: boolean;
  /** false: marked unread; true: read. */
  read?: boolean;
  /** Deleted for the account's devices. */
  deleted?: boolean;
}

interface PhoneMutation {
  type: WAPatchName;
  index: string[];
  apiVersion: number;
  syncAction: proto.ISyncActionValue;
}

/** The phone's changes each device has yet to fetch (it is told by a `server_sync` notification). */
const waiting = new WeakMap<LinkedDevice, PhoneMutation[]>();

function mutationsOf(jid: string, change: PhoneChatChange): PhoneMutation[] {
  const timestamp = Date.now();
  const out: PhoneMutation[] = [];
  if (change.archived !== undefined)
    out.push({
      type: 'regular_low',
      index: ['archive', jid],
      apiVersion: 3,
      syncAction: { archiveChatAction: { archived: change.archived }, timestamp },
    });
  if (change.pinned !== undefined)
    out.push({
      type: 'regular_low',
      index: ['pin_v1', jid],
      apiVersion: 5,
      syncAction: { pinAction: { pinned: change.pinned }, timestamp },
    });
  if (change.muted !== undefined)
    out.push({
      type: 'regular_high',
      index: ['mute', jid],
      apiVersion: 2,
      syncAction: {
        muteAction: { muted: change.muted, ...(change.muted ? { muteEndTimestamp: -1 } : {}) },
        timestamp,
      },
    });
  if (change.read !== undefined)
    out.push({
      type: 'regular_low',
      index: ['markChatAsRead', jid],
      apiVersion: 3,
      syncAction: { markChatAsReadAction: { read: change.read }, timestamp },
    });
  if (change.deleted)
    out.push({
      type: 'regular_high',
      index: ['deleteChat', jid, '1'],
      apiVersion: 6,
      syncAction: { deleteChatAction: {}, timestamp },
    });
  return out;
}

/**
 * The phone changes a chat: every linked device that holds the app-state key is told its
 * collections changed and fetches the patches (`phonePatchesFor`), as WhatsApp syncs them.
 * Resolves with how many devices were told.
 */
export function changeChatOnPhone(
  core: SimCore,
  account: Account,
  jid: string,
  change: PhoneChatChange,
): number {
  const mutations = mutationsOf(jid, change);
  if (mutations.length === 0) throw badInput('give archived, pinned, muted, read or deleted');
  let told = 0;
  for (const [id, device] of account.devices) {
    if (!appStateKeyOf(device)) continue;
    waiting.set(device, [...(waiting.get(device) ?? []), ...mutations]);
    for (const name of new Set(mutations.map((m) => m.type))) {
      core.deliverToDevice(account, id, {
        tag: 'notification',
        attrs: { from: S_WA, type: 'server_sync', id: `ss${Date.now()}${told}${name}`, t: unixNow() },
        content: [{ tag: 'collection', attrs: { name, version: '0' } }],
      });
    }
    told += 1;
  }
  return told;
}

/**
 * The phone's waiting patches of `name` for a device that syncs from `version`, as one
 * `<collection>` answer (taken off the queue); undefined when none wait.
 */
export async function phonePatchesFor(
  device: LinkedDevice | undefined,
  name: string,
  version: number,
): Promise<BinaryNode | undefined> {
  const key = device ? appStateKeyOf(device) : undefined;
  const queued = device ? (waiting.get(device) ?? []) : [];
  const mine = queued.filter((m) => m.type === name);
  if (!device || !key || mine.length === 0) return undefined;
  waiting.set(
    device,
    queued.filter((m) => m.type !== name),
  );
  const keyId = Buffer.from(key.keyId).toString('base64');
  const lookup = async (id: string) =>
    id === keyId ? proto.Message.AppStateSyncKeyData.fromObject({ keyData: key.keyData }) : null;
  let state = { ...newLTHashState(), version };
  const patches: BinaryNode[] = [];
  for (const m of mine) {
    const encoded = await encodeSyncdPatch(
      { ...m, operation: proto.SyncdMutation.SyncdOperation.SET },
      keyId,
      state,
      lookup,
    );
    state = encoded.state;
    const bytes = proto.SyncdPatch.encode({ ...encoded.patch, version: { version: state.version } }).finish();
    patches.push({ tag: 'patch', attrs: {}, content: bytes });
  }
  return {
    tag: 'collection',
    attrs: { name, version: String(state.version) },
    content: [{ tag: 'patches', attrs: {}, content: patches }],
  };
}
