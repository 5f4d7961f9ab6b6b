import { randomBytes } from 'node:crypto';
import type { Account } from '../network/model.ts';
import { S_WA, unixNow } from '../wire/binary-node.ts';
import type { SimCore } from './sim-core.ts';

/**
 * Tells every connected client that an account gained or lost a device, under both its phone number
 * and its LID, so clients that cached the account's device list (either way) update it.
 */
export function announceDeviceChange(
  core: SimCore,
  account: Account,
  deviceId: number,
  change: 'add' | 'remove',
): void {
  const stanza = {
    tag: 'notification',
    attrs: {
      from: `${account.phone}@${S_WA}`,
      type: 'devices',
      id: randomBytes(6).toString('hex'),
      t: unixNow(),
    },
    content: [
      {
        tag: change,
        attrs: { device_hash: randomBytes(4).toString('base64') },
        content: [
          { tag: 'device', attrs: { jid: `${account.phone}:${deviceId}@${S_WA}` } },
          { tag: 'device', attrs: { jid: `${account.lidUser}:${deviceId}@lid` } },
        ],
      },
    ],
  };
  for (const conn of core.connections) {
    if (conn.isOpen && conn.account && !(conn.account === account && conn.device?.id === deviceId))
      conn.send(stanza);
  }
}
