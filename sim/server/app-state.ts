import { decodeSyncdPatch, encodeSyncdPatch, newLTHashState, proto, type WAPatchName } from 'baileys';
import type { Account, LinkedDevice } from '../network/model.ts';
import { type BinaryNode, child, children, contentBytes } from '../wire/binary-node.ts';
import type { Connection } from './connection.ts';
import { phonePatchesFor } from './phone-app-state.ts';
import type { SimCore } from './sim-core.ts';

type Reply = (content?: BinaryNode[]) => void;

interface SharedKey {
  /** base64, as clients name app-state keys. */
  keyId: string;
  keyData: Uint8Array;
}

/** The app-state key the phone shared with each device (the phone knows it: it made it). */
const sharedKeys = new WeakMap<LinkedDevice, SharedKey>();

export function rememberAppStateKey(device: LinkedDevice, keyId: Uint8Array, keyData: Uint8Array): void {
  sharedKeys.set(device, { keyId: Buffer.from(keyId).toString('base64'), keyData });
}

/** The key the phone shared with a device, as `rememberAppStateKey` took it. */
export function appStateKeyOf(device: LinkedDevice): { keyId: Uint8Array; keyData: Uint8Array } | undefined {
  const key = sharedKeys.get(device);
  return key && { keyId: Buffer.from(key.keyId, 'base64'), keyData: key.keyData };
}

/** A change a device recorded in the account's app state (archive, pin, mute, push name…). */
export interface AppStateAction {
  collection: string;
  index: string[];
  action: Record<string, unknown>;
}

const keyLookup = (key: SharedKey) => async (id: string) =>
  id === key.keyId ? proto.Message.AppStateSyncKeyData.fromObject({ keyData: key.keyData }) : null;

/** The first patch of `critical_block` a phone holds: the account's push name. */
async function pushNamePatch(account: Account, key: SharedKey): Promise<BinaryNode> {
  const { patch } = await encodeSyncdPatch(
    {
      type: 'critical_block',
      index: ['setting_pushName'],
      syncAction: { pushNameSetting: { name: account.name }, timestamp: Date.now() },
      apiVersion: 1,
      operation: proto.SyncdMutation.SyncdOperation.SET,
    },
    key.keyId,
    newLTHashState(),
    keyLookup(key),
  );
  const bytes = proto.SyncdPatch.encode({ ...patch, version: { version: 1 } }).finish();
  return {
    tag: 'collection',
    attrs: { name: 'critical_block', version: '1' },
    content: [{ tag: 'patches', attrs: {}, content: [{ tag: 'patch', attrs: {}, content: bytes }] }],
  };
}

/** Reads what a device uploaded: the mutations are kept, a push name becomes the account's. */
async function takeUpload(core: SimCore, account: Account, key: SharedKey, name: string, patch: Buffer) {
  await decodeSyncdPatch(
    proto.SyncdPatch.decode(patch),
    name as WAPatchName,
    newLTHashState(),
    keyLookup(key),
    (mutation: { syncAction: proto.ISyncActionData; index: string[] }) => {
      const action = proto.SyncActionValue.toObject(
        proto.SyncActionValue.create(mutation.syncAction.value ?? {}),
      );
      const pushName = mutation.syncAction.value?.pushNameSetting?.name;
      if (pushName) account.name = pushName;
      core.profiles.of(account.phone).appState.push({ collection: name, index: mutation.index, action });
      core.log('app-state-mutation', { phone: account.phone, collection: name, index: mutation.index[0] });
    },
    false,
  );
}

/**
 * `w:sync:app:state`: a device uploads patches (kept and read) and asks for collections. Every
 * collection asked for comes back, or Baileys asks again forever; a device syncing `critical_block`
 * from scratch gets the account's push name, as a phone's first patch carries it.
 */
export async function onAppStateIq(
  core: SimCore,
  conn: Connection,
  iq: BinaryNode,
  reply: Reply,
): Promise<void> {
  const { account, device } = conn;
  const key = device ? sharedKeys.get(device) : undefined;
  const collections: BinaryNode[] = [];
  for (const c of children(child(iq, 'sync'), 'collection')) {
    const name = c.attrs.name ?? '';
    const uploads = children(c, 'patch');
    for (const upload of uploads) {
      const bytes = contentBytes(upload);
      if (account && key && bytes)
        await takeUpload(core, account, key, name, bytes).catch((err: unknown) =>
          core.log('app-state-upload-unread', { collection: name, error: String(err) }),
        );
    }
    if (name === 'critical_block' && c.attrs.version === '0' && !uploads.length && account && key) {
      collections.push(await pushNamePatch(account, key));
      continue;
    }
    const fromPhone = await phonePatchesFor(device, name, Number(c.attrs.version ?? 0));
    collections.push(fromPhone ?? { tag: 'collection', attrs: { name, version: c.attrs.version ?? '0' } });
  }
  reply([{ tag: 'sync', attrs: {}, content: collections }]);
}
