import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { proto } from 'baileys';
import type { Account, LinkedDevice } from '../network/model.ts';
import { S_WA, unixNow } from '../wire/binary-node.ts';
import { rememberAppStateKey } from './app-state.ts';
import type { Connection } from './connection.ts';
import { buildHistory } from './history.ts';
import { newMessageId, type SimCore } from './sim-core.ts';

/** A linked companion logs in with saved credentials; an unknown device or noise key gets 401. */
export function login(core: SimCore, conn: Connection, phone: string, deviceId: number): void {
  const account = core.directory.accounts.get(phone);
  const device = account?.devices.get(deviceId);
  if (!account || !device || !conn.clientNoisePub || !device.noisePub.equals(conn.clientNoisePub)) {
    conn.send({ tag: 'failure', attrs: { reason: '401', location: 'sim' } });
    core.log('login-refused', { phone, device: deviceId });
    setTimeout(() => conn.close(), 50);
    return;
  }
  // WhatsApp keeps one connection per device: the newer one replaces the older (440 conflict).
  for (const older of core.openConnectionsOf(account, deviceId)) {
    older.send({
      tag: 'stream:error',
      attrs: { code: '440' },
      content: [{ tag: 'conflict', attrs: { type: 'replaced' } }],
    });
    setTimeout(() => older.close(), 20);
  }
  conn.account = account;
  conn.device = device;
  if (conn.pushName) device.pushName = conn.pushName;
  conn.send({
    tag: 'success',
    attrs: {
      t: unixNow(),
      props: '1',
      abprops: '1',
      lid: `${account.lidUser}:${deviceId}@lid`,
      location: 'sim',
      creation: unixNow(),
    },
  });
  core.log('login', { jid: conn.jid });
  // First login: the phone shares its app-state key once the companion uploaded pre-keys; the offline
  // flush waits for the companion's receipt of that share (older clients buffer events until then).
  if (device.keyShared) finishLogin(conn, device);
}

/** Sends what waited for the device, then ends the offline phase. */
export function finishLogin(conn: Connection, device: LinkedDevice): void {
  const queued = device.queue.splice(0);
  for (const stanza of queued) conn.send(stanza);
  conn.send({
    tag: 'ib',
    attrs: { from: S_WA },
    content: [{ tag: 'offline', attrs: { count: String(queued.length) } }],
  });
}

/** After the first pre-key upload, the phone sends the app-state sync key (a peer message). */
export async function shareAppStateKey(_core: SimCore, conn: Connection): Promise<void> {
  const { account, device } = conn;
  if (!account || !device || device.keyShared || conn.keyShareMessageId) return;
  const keyId = randomBytes(6);
  const keyData = randomBytes(32);
  rememberAppStateKey(device, keyId, keyData);
  const keyShare: proto.IMessage = {
    protocolMessage: {
      type: proto.Message.ProtocolMessage.Type.APP_STATE_SYNC_KEY_SHARE,
      appStateSyncKeyShare: {
        keys: [
          {
            keyId: { keyId },
            keyData: {
              keyData,
              fingerprint: { rawId: 1, currentIndex: 0, deviceIndexes: [0, device.id] },
              timestamp: Date.now(),
            },
          },
        ],
      },
    },
  };
  conn.keyShareMessageId = await sendFromPhone(conn, account, device, keyShare);
}

/** The companion acknowledged the key share: flush, end offline, then the history-sync notice. */
export async function onKeyShareReceipt(core: SimCore, conn: Connection): Promise<void> {
  const { account, device } = conn;
  if (!account || !device) return;
  device.keyShared = true;
  conn.keyShareMessageId = undefined;
  finishLogin(conn, device);
  const T = proto.HistorySync.HistorySyncType;
  const history = buildHistory(core.directory, account, core.options.historySync);
  const payload = deflateSync(
    proto.HistorySync.encode({ syncType: T.INITIAL_BOOTSTRAP, progress: 100, ...history }).finish(),
  );
  await sendFromPhone(conn, account, device, {
    protocolMessage: {
      type: proto.Message.ProtocolMessage.Type.HISTORY_SYNC_NOTIFICATION,
      historySyncNotification: {
        syncType: T.INITIAL_BOOTSTRAP,
        chunkOrder: 0,
        progress: 100,
        initialHistBootstrapInlinePayload: payload,
      },
    },
  });
  core.log('history-sync-sent', { jid: conn.jid, conversations: history.conversations.length });
}

/** The account's own phone (device 0) sends a peer message to one of its companions. */
async function sendFromPhone(
  conn: Connection,
  account: Account,
  device: LinkedDevice,
  message: proto.IMessage,
) {
  const enc = await account.phoneParty.encrypt(account.phone, device.id, device.keys, message);
  const id = newMessageId();
  conn.send({
    tag: 'message',
    attrs: { id, from: `${account.phone}@${S_WA}`, t: unixNow(), type: 'text', category: 'peer' },
    content: [{ tag: 'enc', attrs: { v: '2', type: enc.type }, content: enc.body }],
  });
  return id;
}
